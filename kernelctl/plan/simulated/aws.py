"""AWS types and invokes of the simulated cloud.

Every handler derives its identifiers from `ctx.digest` over the resource type and name, so the same program
yields the same ids, ARNs and endpoints byte for byte. Shapes follow the AWS provider's outputs (camelCase
engine names): what the backend reads (ARNs, the EKS endpoint, CA data and OIDC issuer, the cluster security
group, RDS endpoints and master-user secrets, bucket ARNs, ...) is always present and plausible.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from pulumi.runtime import MockCallArgs, MockResourceArgs

from cloud_kernel.aws.limits import DEFAULT_ZONES, ZONES_PER_REGION
from kernelctl.plan.simulated.context import CallHandler, ResourceHandler, SimContext

Outputs = tuple[str, dict[str, Any]]

# A fixed, PEM-looking certificate authority (not a real key): kubeconfigs need base64 PEM data.
CA_PEM = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDBTCCAe2gAwIBAgIIY2xvdWRrZXJuZWwwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UEAxMKa3ViZXJuZXRl\n"
    "czAeFw0yNTAxMDEwMDAwMDBaFw0zNTAxMDEwMDAwMDBaMBUxEzARBgNVBAMTCmt1YmVybmV0ZXMwggEiMA0G\n"
    "-----END CERTIFICATE-----\n"
)
CA_DATA = base64.b64encode(CA_PEM.encode()).decode()
DEPLOYER_ROLE = "cloud-kernel-deployer"


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _arn(ctx: SimContext, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
    return f"arn:{_partition(ctx.region)}:{service}:{ctx.region if region else ''}:{ctx.account_id if account else ''}:{resource}"


def _hex(ctx: SimContext, args: MockResourceArgs, salt: str = "", length: int = 17) -> str:
    return ctx.digest(args.typ, args.name, salt, length=length)


def _uuid(ctx: SimContext, *parts: object) -> str:
    h = ctx.digest(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _autoname(ctx: SimContext, args: MockResourceArgs, inputs: dict[str, Any], field: str = "name", lower: bool = False) -> str:
    """What the provider's auto-naming would pick (logical name + suffix), deterministic here."""
    name = inputs.get(field) or f"{args.name}-{_hex(ctx, args, 'autoname', 7)}"
    return name.lower() if lower else name


def _ec2(prefix: str, service_path: str | None = None) -> ResourceHandler:
    def handler(args: MockResourceArgs, inputs: dict[str, Any], ctx: SimContext) -> Outputs:
        rid = f"{prefix}-{_hex(ctx, args)}"
        out: dict[str, Any] = {"ownerId": ctx.account_id}
        if service_path:
            out["arn"] = _arn(ctx, "ec2", f"{service_path}/{rid}")
        return rid, out

    return handler


def _vpc(args, inputs, ctx) -> Outputs:
    rid = f"vpc-{_hex(ctx, args)}"
    return rid, {
        "arn": _arn(ctx, "ec2", f"vpc/{rid}"),
        "ownerId": ctx.account_id,
        "defaultSecurityGroupId": f"sg-{_hex(ctx, args, 'default-sg')}",
        "defaultNetworkAclId": f"acl-{_hex(ctx, args, 'acl')}",
        "defaultRouteTableId": f"rtb-{_hex(ctx, args, 'main')}",
        "mainRouteTableId": f"rtb-{_hex(ctx, args, 'main')}",
        "dhcpOptionsId": f"dopt-{_hex(ctx, args, 'dopt')}",
    }


def _subnet(args, inputs, ctx) -> Outputs:
    rid = f"subnet-{_hex(ctx, args)}"
    zone = inputs.get("availabilityZone") or f"{ctx.region}a"
    return rid, {
        "arn": _arn(ctx, "ec2", f"subnet/{rid}"),
        "ownerId": ctx.account_id,
        "availabilityZone": zone,
        "availabilityZoneId": f"{_zone_id_prefix(ctx.region)}-az{ord(zone[-1]) - ord('a') + 1}",
    }


def _eip(args, inputs, ctx) -> Outputs:
    rid = f"eipalloc-{_hex(ctx, args)}"
    octet = int(_hex(ctx, args, "ip", 2), 16) % 254 + 1
    return rid, {"allocationId": rid, "publicIp": f"198.51.100.{octet}", "domain": "vpc", "arn": _arn(ctx, "ec2", f"elastic-ip/{rid}")}


def _nat(args, inputs, ctx) -> Outputs:
    rid = f"nat-{_hex(ctx, args)}"
    octet = int(_hex(ctx, args, "ip", 2), 16) % 254 + 1
    return rid, {"publicIp": f"198.51.100.{octet}", "networkInterfaceId": f"eni-{_hex(ctx, args, 'eni')}", "privateIp": f"10.0.255.{octet}"}


def _route(args, inputs, ctx) -> Outputs:
    return f"r-{inputs.get('routeTableId', 'rtb')}{_hex(ctx, args, length=10)}", {"state": "active", "origin": "CreateRoute"}


def _vpc_endpoint(args, inputs, ctx) -> Outputs:
    rid = f"vpce-{_hex(ctx, args)}"
    out: dict[str, Any] = {"arn": _arn(ctx, "ec2", f"vpc-endpoint/{rid}"), "ownerId": ctx.account_id, "state": "available"}
    if inputs.get("vpcEndpointType") == "Gateway":
        out["prefixListId"] = f"pl-{_hex(ctx, args, 'pl', 8)}"
    else:
        out["dnsEntries"] = [{"dnsName": f"{rid}.{inputs.get('serviceName', '').split('.')[-1]}.{ctx.region}.vpce.amazonaws.com", "hostedZoneId": "Z7HUB22UULQXV"}]
        out["networkInterfaceIds"] = [f"eni-{_hex(ctx, args, str(i))}" for i, _ in enumerate(inputs.get("subnetIds") or [])]
    return rid, out


def _security_group(args, inputs, ctx) -> Outputs:
    rid = f"sg-{_hex(ctx, args)}"
    return rid, {"arn": _arn(ctx, "ec2", f"security-group/{rid}"), "ownerId": ctx.account_id, "name": _autoname(ctx, args, inputs)}


def _sg_rule(args, inputs, ctx) -> Outputs:
    rid = f"sgr-{_hex(ctx, args)}"
    return rid, {"arn": _arn(ctx, "ec2", f"security-group-rule/{rid}"), "securityGroupRuleId": rid}


def _flow_log(args, inputs, ctx) -> Outputs:
    rid = f"fl-{_hex(ctx, args)}"
    return rid, {"arn": _arn(ctx, "ec2", f"vpc-flow-log/{rid}")}


def _launch_template(args, inputs, ctx) -> Outputs:
    rid = f"lt-{_hex(ctx, args)}"
    return rid, {"arn": _arn(ctx, "ec2", f"launch-template/{rid}"), "name": _autoname(ctx, args, inputs), "latestVersion": 1, "defaultVersion": 1}


def _log_group(args, inputs, ctx) -> Outputs:
    name = _autoname(ctx, args, inputs)
    return name, {"name": name, "arn": _arn(ctx, "logs", f"log-group:{name}")}


def _kms_key(args, inputs, ctx) -> Outputs:
    key_id = _uuid(ctx, args.typ, args.name)
    return key_id, {"keyId": key_id, "arn": _arn(ctx, "kms", f"key/{key_id}"), "isEnabled": True}


def _kms_alias(args, inputs, ctx) -> Outputs:
    name = inputs["name"]
    target = inputs.get("targetKeyId", "")
    return name, {"arn": _arn(ctx, "kms", name), "targetKeyArn": _arn(ctx, "kms", f"key/{target}")}


def _iam_role(args, inputs, ctx) -> Outputs:
    name = _autoname(ctx, args, inputs)
    path = inputs.get("path") or "/"
    return name, {
        "name": name,
        "arn": _arn(ctx, "iam", f"role{path}{name}", region=False),
        "uniqueId": "AROA" + _hex(ctx, args, "uid", 17).upper(),
        "createDate": "2025-01-01T00:00:00Z",
    }


def _role_policy(args, inputs, ctx) -> Outputs:
    name = _autoname(ctx, args, inputs)
    return f"{inputs.get('role', '')}:{name}", {"name": name}


def _role_policy_attachment(args, inputs, ctx) -> Outputs:
    return f"{inputs.get('role', '')}-{_hex(ctx, args, length=20)}", {}


def _oidc_provider(args, inputs, ctx) -> Outputs:
    url = inputs.get("url", "").removeprefix("https://")
    arn = _arn(ctx, "iam", f"oidc-provider/{url}", region=False)
    return arn, {"arn": arn, "thumbprintLists": ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]}


def _eks_cluster(args, inputs, ctx) -> Outputs:
    name = inputs.get("name") or args.name
    marker = ctx.digest("eks", name, length=32).upper()
    vpc_config = dict(inputs.get("vpcConfig") or {})
    vpc_config.update(
        clusterSecurityGroupId=f"sg-{_hex(ctx, args, 'cluster-sg')}",
        vpcId=f"vpc-{_hex(ctx, args, 'vpc')}",
    )
    if not vpc_config.get("endpointPublicAccess"):
        vpc_config["publicAccessCidrs"] = []
    return name, {
        "name": name,
        "arn": _arn(ctx, "eks", f"cluster/{name}"),
        "endpoint": f"https://{marker}.gr7.{ctx.region}.eks.amazonaws.com",
        "certificateAuthority": {"data": CA_DATA},
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{ctx.region}.amazonaws.com/id/{marker}"}]}],
        "vpcConfig": vpc_config,
        "platformVersion": "eks.1",
        "status": "ACTIVE",
        "clusterId": _uuid(ctx, "cluster-id", name),
        "kubernetesNetworkConfig": {"ipFamily": "ipv4", "serviceIpv4Cidr": "172.20.0.0/16"},
        "createdAt": "2025-01-01T00:00:00Z",
    }


def _cluster_child(kind: str) -> ResourceHandler:
    def handler(args: MockResourceArgs, inputs: dict[str, Any], ctx: SimContext) -> Outputs:
        cluster = inputs.get("clusterName", "")
        out: dict[str, Any] = {}
        if kind == "addon":
            rid = f"{cluster}:{inputs.get('addonName')}"
            out["arn"] = _arn(ctx, "eks", f"addon/{cluster}/{inputs.get('addonName')}/{_uuid(ctx, args.name)}")
        elif kind == "access-entry":
            rid = f"{cluster}:{inputs.get('principalArn')}"
            out["accessEntryArn"] = _arn(ctx, "eks", f"access-entry/{cluster}/role/{ctx.account_id}/{_hex(ctx, args)}")
            out["userName"] = inputs.get("principalArn", "")
        elif kind == "access-policy":
            rid = f"{cluster}#{inputs.get('principalArn')}#{inputs.get('policyArn')}"
            out["associatedAt"] = "2025-01-01T00:00:00Z"
        else:  # node group
            group = _autoname(ctx, args, inputs, "nodeGroupName")
            rid = f"{cluster}:{group}"
            out.update(
                nodeGroupName=group,
                arn=_arn(ctx, "eks", f"nodegroup/{cluster}/{group}/{_uuid(ctx, args.name)}"),
                status="ACTIVE",
                resources=[{"autoscalingGroups": [{"name": f"eks-{group}-{_uuid(ctx, 'asg', args.name)}"}], "remoteAccessSecurityGroupId": ""}],
            )
        return rid, out

    return handler


def _efs(args, inputs, ctx) -> Outputs:
    rid = f"fs-{_hex(ctx, args)}"
    return rid, {"arn": _arn(ctx, "elasticfilesystem", f"file-system/{rid}"), "dnsName": f"{rid}.efs.{ctx.region}.amazonaws.com", "ownerId": ctx.account_id}


def _efs_mount_target(args, inputs, ctx) -> Outputs:
    rid = f"fsmt-{_hex(ctx, args)}"
    fs = inputs.get("fileSystemId", "")
    return rid, {"dnsName": f"{fs}.efs.{ctx.region}.amazonaws.com", "networkInterfaceId": f"eni-{_hex(ctx, args, 'eni')}", "fileSystemArn": _arn(ctx, "elasticfilesystem", f"file-system/{fs}")}


def _by_file_system(args, inputs, ctx) -> Outputs:
    return inputs.get("fileSystemId", args.name), {}


def _bucket(args, inputs, ctx) -> Outputs:
    name = _autoname(ctx, args, inputs, "bucket", lower=True)
    return name, {
        "bucket": name,
        "arn": f"arn:{_partition(ctx.region)}:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
        "region": ctx.region,
        "hostedZoneId": "Z1BKCTXD74EZPE",
        "forceDestroy": bool(inputs.get("forceDestroy", False)),
    }


def _by_bucket(args, inputs, ctx) -> Outputs:
    return inputs.get("bucket", args.name), {}


def _rds_named(service_path: str) -> ResourceHandler:
    def handler(args: MockResourceArgs, inputs: dict[str, Any], ctx: SimContext) -> Outputs:
        name = _autoname(ctx, args, inputs, lower=True)
        return name, {"name": name, "arn": _arn(ctx, "rds", f"{service_path}:{name}")}

    return handler


def _master_secret(ctx: SimContext, identifier: str, inputs: dict[str, Any]) -> list[dict[str, Any]]:
    if not inputs.get("manageMasterUserPassword"):
        return []
    suffix = ctx.digest("secret", identifier, length=6)
    return [
        {
            "secretArn": _arn(ctx, "secretsmanager", f"secret:rds!db-{_uuid(ctx, 'rds-secret', identifier)}-{suffix}"),
            "kmsKeyId": inputs.get("masterUserSecretKmsKeyId", ""),
            "secretStatus": "active",
        }
    ]


def _rds_instance(args, inputs, ctx) -> Outputs:
    identifier = _autoname(ctx, args, inputs, "identifier", lower=True)
    marker = ctx.digest("rds", length=12)
    address = f"{identifier}.c{marker}.{ctx.region}.rds.amazonaws.com"
    port = int(inputs.get("port") or 5432)
    return identifier, {
        "identifier": identifier,
        "arn": _arn(ctx, "rds", f"db:{identifier}"),
        "address": address,
        "endpoint": f"{address}:{port}",
        "port": port,
        "resourceId": "db-" + ctx.digest("rid", identifier, length=26).upper(),
        "engineVersionActual": f"{inputs.get('engineVersion', '16')}.4" if "." not in str(inputs.get("engineVersion", "16")) else inputs["engineVersion"],
        "hostedZoneId": "Z29XKXDKYMONMX",
        "status": "available",
        "masterUserSecrets": _master_secret(ctx, identifier, inputs),
    }


def _rds_cluster(args, inputs, ctx) -> Outputs:
    identifier = _autoname(ctx, args, inputs, "clusterIdentifier", lower=True)
    marker = ctx.digest("rds", length=12)
    return identifier, {
        "clusterIdentifier": identifier,
        "arn": _arn(ctx, "rds", f"cluster:{identifier}"),
        "endpoint": f"{identifier}.cluster-c{marker}.{ctx.region}.rds.amazonaws.com",
        "readerEndpoint": f"{identifier}.cluster-ro-c{marker}.{ctx.region}.rds.amazonaws.com",
        "port": int(inputs.get("port") or 5432),
        "clusterResourceId": "cluster-" + ctx.digest("rid", identifier, length=26).upper(),
        "hostedZoneId": "Z29XKXDKYMONMX",
        "masterUserSecrets": _master_secret(ctx, identifier, inputs),
    }


def _rds_cluster_instance(args, inputs, ctx) -> Outputs:
    identifier = _autoname(ctx, args, inputs, "identifier", lower=True)
    marker = ctx.digest("rds", length=12)
    return identifier, {
        "identifier": identifier,
        "arn": _arn(ctx, "rds", f"db:{identifier}"),
        "endpoint": f"{identifier}.c{marker}.{ctx.region}.rds.amazonaws.com",
        "port": 5432,
        "dbiResourceId": "db-" + ctx.digest("rid", identifier, length=26).upper(),
        "writer": inputs.get("promotionTier", 0) == 0,
    }


RESOURCES: dict[str, ResourceHandler] = {
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _security_group,
    "aws:ec2/internetGateway:InternetGateway": _ec2("igw", "internet-gateway"),
    "aws:ec2/subnet:Subnet": _subnet,
    "aws:ec2/routeTable:RouteTable": _ec2("rtb", "route-table"),
    "aws:ec2/route:Route": _route,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _ec2("rtbassoc"),
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/natGateway:NatGateway": _nat,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _sg_rule,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _sg_rule,
    "aws:ec2/flowLog:FlowLog": _flow_log,
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _role_policy_attachment,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:eks/addon:Addon": _cluster_child("addon"),
    "aws:eks/accessEntry:AccessEntry": _cluster_child("access-entry"),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": _cluster_child("access-policy"),
    "aws:eks/nodeGroup:NodeGroup": _cluster_child("node-group"),
    "aws:efs/fileSystem:FileSystem": _efs,
    "aws:efs/mountTarget:MountTarget": _efs_mount_target,
    "aws:efs/backupPolicy:BackupPolicy": _by_file_system,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketVersioning:BucketVersioning": _by_bucket,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _by_bucket,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _by_bucket,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _by_bucket,
    "aws:s3/bucketPolicy:BucketPolicy": _by_bucket,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _by_bucket,
    "aws:s3/bucketLogging:BucketLogging": _by_bucket,
    "aws:rds/subnetGroup:SubnetGroup": _rds_named("subgrp"),
    "aws:rds/parameterGroup:ParameterGroup": _rds_named("pg"),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": _rds_named("cluster-pg"),
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:rds/clusterInstance:ClusterInstance": _rds_cluster_instance,
}


# ----- invokes ---------------------------------------------------------------------------------------------


def _zone_id_prefix(region: str) -> str:
    parts = region.split("-")
    return parts[0] + "".join(p[0] for p in parts[1:-1]) + parts[-1]


def _availability_zones(args: MockCallArgs, inputs: dict[str, Any], ctx: SimContext) -> dict[str, Any]:
    count = ZONES_PER_REGION.get(ctx.region, DEFAULT_ZONES)
    names = ctx.zones()[:count]
    return {
        "id": ctx.region,
        "names": names,
        "zoneIds": [f"{_zone_id_prefix(ctx.region)}-az{i + 1}" for i in range(count)],
        "groupNames": [ctx.region] * count,
        "state": inputs.get("state"),
        "filters": inputs.get("filters"),
    }


def _caller_identity(args, inputs, ctx) -> dict[str, Any]:
    return {
        "id": ctx.account_id,
        "accountId": ctx.account_id,
        "arn": f"arn:{_partition(ctx.region)}:sts::{ctx.account_id}:assumed-role/{DEPLOYER_ROLE}/pulumi",
        "userId": f"AROA{ctx.digest('deployer', length=17).upper()}:pulumi",
    }


def _session_context(args, inputs, ctx) -> dict[str, Any]:
    arn = inputs.get("arn", "")
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[5].startswith("assumed-role/"):
        _, role, session = parts[5].split("/", 2)
        issuer = f"arn:{parts[1]}:iam::{parts[4]}:role/{role}"
        return {"id": arn, "arn": arn, "issuerArn": issuer, "issuerName": role, "issuerId": "AROA", "sessionName": session}
    return {"id": arn, "arn": arn, "issuerArn": arn, "issuerName": "", "issuerId": "", "sessionName": ""}


def _partition_call(args, inputs, ctx) -> dict[str, Any]:
    partition = _partition(ctx.region)
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return {"id": partition, "partition": partition, "dnsSuffix": suffix, "reverseDnsPrefix": ".".join(reversed(suffix.split(".")))}


def _region(args, inputs, ctx) -> dict[str, Any]:
    return {"id": ctx.region, "name": ctx.region, "region": ctx.region, "endpoint": f"ec2.{ctx.region}.amazonaws.com", "description": ctx.region}


def _one_or_many(values: list[Any]) -> Any:
    values = list(values)
    return values[0] if len(values) == 1 else values


def render_statement(statement: dict[str, Any]) -> dict[str, Any]:
    """One statement as aws_iam_policy_document renders it (single values collapse, `*` principals too)."""
    out: dict[str, Any] = {}
    if statement.get("sid"):
        out["Sid"] = statement["sid"]
    out["Effect"] = statement.get("effect") or "Allow"
    for key, name in (("actions", "Action"), ("notActions", "NotAction"), ("resources", "Resource"), ("notResources", "NotResource")):
        if statement.get(key):
            out[name] = _one_or_many(list(dict.fromkeys(statement[key])))
    for key, name in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
        principals = statement.get(key) or []
        if not principals:
            continue
        if len(principals) == 1 and principals[0].get("type") == "*" and principals[0].get("identifiers") == ["*"]:
            out[name] = "*"
            continue
        grouped: dict[str, list[str]] = {}
        for principal in principals:
            grouped.setdefault(principal["type"], []).extend(principal.get("identifiers") or [])
        out[name] = {k: _one_or_many(v) for k, v in sorted(grouped.items())}
    conditions: dict[str, dict[str, Any]] = {}
    for condition in statement.get("conditions") or []:
        conditions.setdefault(condition["test"], {})[condition["variable"]] = _one_or_many(condition.get("values") or [])
    if conditions:
        out["Condition"] = conditions
    return out


def render_policy(inputs: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {"Version": inputs.get("version") or "2012-10-17"}
    if inputs.get("policyId"):
        document["Id"] = inputs["policyId"]
    document["Statement"] = [render_statement(s) for s in inputs.get("statements") or []]
    return document


def _policy_document(args, inputs, ctx) -> dict[str, Any]:
    document = render_policy(inputs)
    text = json.dumps(document, indent=2)
    return {"id": ctx.digest("policy", text, length=10), "json": text, "minifiedJson": json.dumps(document, separators=(",", ":"))}


CALLS: dict[str, CallHandler] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getPartition:getPartition": _partition_call,
    "aws:index/getRegion:getRegion": _region,
    "aws:iam/getSessionContext:getSessionContext": _session_context,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
}
