"""What AWS, Kubernetes and the CA would refuse in a finished plan, read from the plan's resources.

Independent of the config checks by construction: it never derives a name from the config (it reads each
name the program actually gave a resource, or the logical name the provider autonames from) and never calls
`cloud_kernel.checks`. It shares only the documented data: the AWS table's name rules and numbers.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Any

from cloud_kernel.aws.limits import INTERFACE_ENDPOINTS, LIMITS, NAME_RULES
from cloud_kernel.limits import ACME_MAX_NAMES, label_key_problems, label_value_problems, window_minutes

# type -> [(input that holds the physical name, rule)]
NAMED = {
    "aws:s3/bucket:Bucket": [("bucket", "s3-bucket")],
    "aws:rds/instance:Instance": [("identifier", "rds-identifier"), ("finalSnapshotIdentifier", "rds-snapshot")],
    "aws:rds/cluster:Cluster": [("clusterIdentifier", "rds-identifier"), ("finalSnapshotIdentifier", "rds-snapshot")],
    "aws:rds/clusterInstance:ClusterInstance": [("identifier", "rds-identifier")],
    "aws:eks/cluster:Cluster": [("name", "eks-cluster")],
    "aws:kms/alias:Alias": [("name", "kms-alias")],
    "aws:cloudwatch/logGroup:LogGroup": [("name", "log-group")],
}
# type -> rule of the name the provider makes: the logical name, '-', 7 random characters.
AUTONAMED = {
    "aws:iam/role:Role": "iam-role",
    "aws:eks/nodeGroup:NodeGroup": "eks-nodegroup",
    "aws:rds/parameterGroup:ParameterGroup": "rds-parameter-group",
    "aws:ec2/launchTemplate:LaunchTemplate": "launch-template",
}
PRIVATE = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")]


def violations(resources: list[dict[str, Any]], kubernetes: list[dict[str, Any]]) -> list[str]:
    found = [*_names(resources), *_tags(resources), *_network(resources), *_node_groups(resources)]
    found += [*_log_groups(resources), *_databases(resources), *_certificates(kubernetes)]
    return found


def _physical(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    inputs = resource.get("inputs") or {}
    for field, kind in NAMED.get(resource["type"], []):
        if isinstance(inputs.get(field), str):
            yield kind, inputs[field]
    if resource["type"] in AUTONAMED and not inputs.get("name") and not inputs.get("nodeGroupName"):
        yield AUTONAMED[resource["type"]], f"{resource['name']}-abcdef0"


def _names(resources: list[dict[str, Any]]) -> Iterator[str]:
    seen: dict[tuple[str, str], str] = {}
    for resource in resources:
        for kind, name in _physical(resource):
            for problem in NAME_RULES[kind].problems(name):
                yield f"{resource['urn']}: {NAME_RULES[kind].what} {name!r}: {problem}"
            group = LIMITS.name_groups.get(kind, kind)
            if seen.setdefault((group, name.lower()), resource["urn"]) != resource["urn"]:
                yield f"{resource['urn']}: {name!r} is also the name of {seen[(group, name.lower())]}"


def _tags(resources: list[dict[str, Any]]) -> Iterator[str]:
    rule = NAME_RULES["tag-value"]
    for resource in resources:
        tags = (resource.get("inputs") or {}).get("tags") or {}
        for key, value in tags.items():
            if len(key) > 128 or rule.problems(str(value)):
                yield f"{resource['urn']}: tag {key}={value!r}: {rule.problems(str(value))}"


def _network(resources: list[dict[str, Any]]) -> Iterator[str]:
    for resource in resources:
        inputs = resource.get("inputs") or {}
        if resource["type"] == "aws:ec2/vpc:Vpc":
            net = ipaddress.ip_network(inputs["cidrBlock"])
            if not any(net.subnet_of(p) for p in PRIVATE) or not 16 <= net.prefixlen <= 28:
                yield f"{resource['urn']}: VPC CIDR {net} is not a private /16-/28"
        if resource["type"] == "aws:ec2/vpcEndpoint:VpcEndpoint":
            service = str(inputs.get("serviceName", "")).split(".", 3)[-1]
            if service not in INTERFACE_ENDPOINTS and (service, inputs.get("vpcEndpointType")) != ("s3", "Gateway"):
                yield f"{resource['urn']}: no such endpoint service {inputs.get('serviceName')!r}"
        if resource["type"] == "aws:eks/accessEntry:AccessEntry" and isinstance(inputs.get("principalArn"), str):
            if not re.fullmatch(LIMITS.admin_principal or ".*", inputs["principalArn"]):
                yield f"{resource['urn']}: principal {inputs['principalArn']!r} is not an IAM role or user ARN"
    zones = {(r.get("inputs") or {}).get("availabilityZone") for r in resources if r["type"] == "aws:ec2/subnet:Subnet"}
    if any(r["type"] == "aws:eks/cluster:Cluster" for r in resources) and len(zones - {None}) < 2:
        yield f"the EKS cluster's subnets span {len(zones - {None})} zone(s); EKS needs 2"


def _node_groups(resources: list[dict[str, Any]]) -> Iterator[str]:
    for group in (r for r in resources if r["type"] == "aws:eks/nodeGroup:NodeGroup"):
        inputs, urn = group["inputs"], group["urn"]
        scaling = inputs.get("scalingConfig") or {}
        if not scaling.get("minSize", 0) <= scaling.get("maxSize", 1) <= LIMITS.max_pool_size:
            yield f"{urn}: scaling {scaling} outside 0 <= min <= max <= {LIMITS.max_pool_size}"
        taints = inputs.get("taints") or []
        if len(taints) > LIMITS.max_taints:
            yield f"{urn}: {len(taints)} taints"
        for taint in taints:
            if not 1 <= len(taint["key"]) <= 63 or len(taint.get("value") or "") > 63 or label_key_problems(taint["key"]):
                yield f"{urn}: taint {taint}"
        for key, value in (inputs.get("labels") or {}).items():
            if not 1 <= len(key) <= 63 or not 1 <= len(value) <= 63 or label_key_problems(key) or label_value_problems(value):
                yield f"{urn}: label {key}={value!r}"


def _log_groups(resources: list[dict[str, Any]]) -> Iterator[str]:
    for group in (r for r in resources if r["type"] == "aws:cloudwatch/logGroup:LogGroup"):
        if group["inputs"].get("retentionInDays") not in LIMITS.log_retention_days:
            yield f"{group['urn']}: retention {group['inputs'].get('retentionInDays')} is not a CloudWatch value"


def _databases(resources: list[dict[str, Any]]) -> Iterator[str]:
    fields = {
        "aws:rds/instance:Instance": ("backupWindow", "maintenanceWindow"),
        "aws:rds/cluster:Cluster": ("preferredBackupWindow", "preferredMaintenanceWindow"),
    }
    for db in (r for r in resources if r["type"] in fields):
        backup_field, maintenance_field = fields[db["type"]]
        backup = window_minutes(db["inputs"][backup_field])
        maintenance = set(window_minutes(db["inputs"][maintenance_field]))
        if len(backup) < 30 or len(maintenance) < 30:
            yield f"{db['urn']}: a window shorter than 30 minutes"
        if {day * 1440 + m for day in range(7) for m in backup} & maintenance:
            yield f"{db['urn']}: backup and maintenance windows overlap"


def _certificates(kubernetes: list[dict[str, Any]]) -> Iterator[str]:
    for cert in (o for o in kubernetes if o.get("kind") == "Certificate"):
        names = cert.get("spec", {}).get("dnsNames") or []
        if len(names) > ACME_MAX_NAMES:
            yield f"Certificate {cert['metadata']['name']}: {len(names)} names"
        for name in names:
            if len(name) > 253 or any(len(label) > 63 for label in name.split(".")):
                yield f"Certificate {cert['metadata']['name']}: DNS name {name!r}"
