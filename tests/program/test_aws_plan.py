"""The whole program on both AWS stack files: what the cloud kernel creates and its secure defaults, read from
the plan (one plan per stack for the session), plus the no-churn property of a node-pool resize."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

AWS_STACKS = ["dev-aws", "prod-aws"]


def of(plan, type_: str) -> list[dict]:
    return sorted((r for r in plan.resources if r["type"] == type_), key=lambda r: r["urn"])


def counts(plan) -> Counter:
    return Counter(r["type"] for r in plan.resources)


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_cloud_kernel_is_complete(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    spec = plan.config.cloud
    c = counts(plan)
    zones = spec.network.zones
    assert c["aws:ec2/vpc:Vpc"] == 1
    subnets = of(plan, "aws:ec2/subnet:Subnet")
    assert Counter(s["inputs"]["tags"]["tier"] for s in subnets) == {"private": zones, "public": zones}
    assert len({s["inputs"]["availabilityZone"] for s in subnets}) == zones
    assert c["aws:ec2/natGateway:NatGateway"] == (zones if spec.network.nat == "perZone" else 1)
    assert c["aws:eks/cluster:Cluster"] == 1
    assert c["aws:iam/openIdConnectProvider:OpenIdConnectProvider"] == 1
    assert c["aws:eks/nodeGroup:NodeGroup"] == len(spec.node_pools) >= 2
    assert c["aws:ec2/launchTemplate:LaunchTemplate"] == len(spec.node_pools)
    addons = {a["inputs"]["addonName"] for a in of(plan, "aws:eks/addon:Addon")}
    assert {"vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"} <= addons
    assert ("aws-efs-csi-driver" in addons) == spec.volumes.shared_enabled
    assert c["aws:kms/key:Key"] == 5
    buckets = len(spec.lakehouse) + 1  # plus the access-log bucket
    for t in ("Bucket", "BucketVersioning", "BucketServerSideEncryptionConfiguration", "BucketPublicAccessBlock",
              "BucketPolicy", "BucketLifecycleConfiguration", "BucketOwnershipControls"):
        assert c[f"aws:s3/{t[0].lower() + t[1:]}:{t}"] == buckets, t
    rds = sum(1 for d in spec.postgres.values() if d.engine == "postgres")
    aurora = len(spec.postgres) - rds
    assert c["aws:rds/instance:Instance"] == rds and c["aws:rds/parameterGroup:ParameterGroup"] == rds
    assert c["aws:rds/cluster:Cluster"] == aurora and c["aws:rds/clusterParameterGroup:ClusterParameterGroup"] == aurora
    assert c["aws:rds/subnetGroup:SubnetGroup"] == len(spec.postgres)
    irsa = [r for r in of(plan, "aws:iam/role:Role") if "AssumeRoleWithWebIdentity" in r["inputs"]["assumeRolePolicy"]]
    assert len(irsa) >= 2  # vpc-cni, ebs-csi (and one per workload identity)
    classes = {s["inputs"]["metadata"]["name"] for s in of(plan, "kubernetes:storage.k8s.io/v1:StorageClass") if s["layer"] == "cloud_kernel"}
    assert classes == set(spec.volumes.classes)


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_secure_defaults_hold_in_the_plan(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    prod = plan.config.environment == "prod"
    (eks,) = of(plan, "aws:eks/cluster:Cluster")
    vpc = eks["inputs"]["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["endpointPublicAccess"] is (False if prod else plan.config.cloud.cluster.public_endpoint)
    assert eks["inputs"]["accessConfig"]["authenticationMode"] == "API"
    assert eks["inputs"]["encryptionConfig"]["resources"] == ["secrets"]
    assert eks["protect"] is prod and eks["inputs"]["deletionProtection"] is prod
    for lt in of(plan, "aws:ec2/launchTemplate:LaunchTemplate"):
        assert lt["inputs"]["metadataOptions"]["httpTokens"] == "required"
        assert lt["inputs"]["metadataOptions"]["httpPutResponseHopLimit"] == 1
        assert all(m["ebs"]["encrypted"] == "true" and m["ebs"]["kmsKeyId"] for m in lt["inputs"]["blockDeviceMappings"])
    for group in of(plan, "aws:eks/nodeGroup:NodeGroup"):
        assert group["ignore_changes"] == ["scalingConfig.desiredSize"]
    for key in of(plan, "aws:kms/key:Key"):
        assert key["inputs"]["enableKeyRotation"] is True and key["protect"] is prod
    for pab in of(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"):
        assert all(pab["inputs"][f] is True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    for policy in of(plan, "aws:s3/bucketPolicy:BucketPolicy"):
        deny = [s for s in json.loads(policy["inputs"]["policy"])["Statement"] if s.get("Sid") == "DenyInsecureTransport"]
        assert deny and deny[0]["Effect"] == "Deny"
    for bucket in of(plan, "aws:s3/bucket:Bucket"):
        assert bucket["protect"] is prod and bucket["inputs"]["forceDestroy"] is (not prod)
    for db in of(plan, "aws:rds/instance:Instance") + of(plan, "aws:rds/cluster:Cluster"):
        i = db["inputs"]
        assert i["storageEncrypted"] is True and i["kmsKeyId"] and i["manageMasterUserPassword"] is True
        assert i["iamDatabaseAuthenticationEnabled"] is True and db["protect"] is prod
        assert i.get("publiclyAccessible", False) is False
        if prod:
            assert i["deletionProtection"] is True and i["finalSnapshotIdentifier"].endswith("-final")
            assert i["backupRetentionPeriod"] >= 14
    for pg in of(plan, "aws:rds/parameterGroup:ParameterGroup") + of(plan, "aws:rds/clusterParameterGroup:ClusterParameterGroup"):
        assert {p["name"]: p["value"] for p in pg["inputs"]["parameters"]}["rds.force_ssl"] == "1"
    for group in of(plan, "aws:cloudwatch/logGroup:LogGroup"):
        assert group["inputs"]["kmsKeyId"] and group["inputs"]["retentionInDays"]
    assert [p for p in plan.policy if p["rule"] in {"s3-public-access-blocked", "rds-force-ssl", "kms-rotation"}] == []


def test_prod_runs_multi_az_and_a_tainted_gpu_pool(stack_plan) -> None:
    plan = stack_plan("prod-aws")
    (platform,) = of(plan, "aws:rds/instance:Instance")
    assert platform["inputs"]["multiAz"] is True
    gpu = [g for g in of(plan, "aws:eks/nodeGroup:NodeGroup") if g["inputs"]["amiType"] == "AL2023_x86_64_NVIDIA"]
    assert len(gpu) == 1 and gpu[0]["inputs"]["taints"][0]["key"] == "nvidia.com/gpu"
    dev = stack_plan("dev-aws")
    (dev_db,) = of(dev, "aws:rds/instance:Instance")
    assert dev_db["inputs"]["multiAz"] is False
    assert any(g["inputs"]["capacityType"] == "SPOT" for g in of(dev, "aws:eks/nodeGroup:NodeGroup"))


def test_raising_a_pool_max_changes_exactly_one_resource(stack_plan, tmp_path: Path) -> None:
    from kernelctl.plan.runner import run_plan

    source = ROOT / "stacks" / "Pulumi.dev-aws.yaml"
    document = yaml.safe_load(source.read_text())
    pools = document["config"]["cloud-kernel:cloud"]["nodePools"]
    pools["system"]["maxSize"] = pools["system"]["maxSize"] + 7
    changed_file = tmp_path / "Pulumi.dev-aws.yaml"
    changed_file.write_text(yaml.safe_dump(document, sort_keys=False))

    before = {r["urn"]: r for r in stack_plan("dev-aws").resources}
    after = {r["urn"]: r for r in run_plan(changed_file, "dev-aws", root=ROOT).resources}
    assert set(before) == set(after), "no URN may appear or disappear"
    changed = sorted(urn for urn in before if before[urn]["inputs"] != after[urn]["inputs"])
    assert len(changed) == 1 and changed[0].endswith("::cloud-pool-system-nodes"), changed
    urn = changed[0]
    assert after[urn]["inputs"]["scalingConfig"]["maxSize"] == before[urn]["inputs"]["scalingConfig"]["maxSize"] + 7


# EBS volume types: (minimum IOPS, maximum IOPS, maximum IOPS per GiB, IOPS any size gets). gp3 includes 3,000.
EBS_IOPS = {"io2": (100, 256_000, 1000, 0), "gp3": (3000, 80_000, 500, 3000)}


def provisioned_iops(parameters: dict, size_gib: int) -> int | None:
    """The IOPS the EBS CSI driver asks EC2 for, for one claim (None: the type's default)."""
    low, high, _, _ = EBS_IOPS[parameters["type"]]
    if "iops" in parameters:
        return int(parameters["iops"])
    if "iopsPerGB" in parameters:
        iops = int(parameters["iopsPerGB"]) * size_gib
        if parameters.get("allowAutoIOPSPerGBIncrease") == "true":
            iops = max(iops, low)
        return min(iops, high)
    return None


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_every_claim_size_of_every_block_class_provisions(stack_plan, stack: str) -> None:
    """EC2 refuses a volume whose IOPS exceed its size's allowance (io2: 1,000 per GiB): every claim from the
    LimitRange minimum (1 GiB) up must get IOPS its size allows."""
    plan = stack_plan(stack)
    for sc in of(plan, "kubernetes:storage.k8s.io/v1:StorageClass"):
        parameters = sc["inputs"]["parameters"]
        if sc["inputs"]["provisioner"] != "ebs.csi.aws.com":
            continue
        low, high, per_gib, floor = EBS_IOPS[parameters["type"]]
        for size in (1, 2, 3, 8, 15, 16, 100, 1000, 16384):
            iops = provisioned_iops(parameters, size)
            if iops is None:
                continue
            assert low <= iops <= min(high, max(floor, per_gib * size)), (sc["inputs"]["metadata"]["name"], size, iops)


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_kubernetes_version_is_in_eks_standard_support(stack_plan, stack: str) -> None:
    import datetime

    from cloud_kernel.aws.limits import ADDON_VERSIONS, STANDARD_SUPPORT_ENDS

    version = stack_plan(stack).config.cloud.cluster.version
    assert version in ADDON_VERSIONS, f"{stack}: no add-on versions pinned for Kubernetes {version}"
    ends = datetime.date.fromisoformat(STANDARD_SUPPORT_ENDS[version])
    assert ends > datetime.date.today(), f"{stack}: Kubernetes {version} left EKS standard support on {ends}"


def test_the_deployer_reaches_the_private_api_endpoint_of_prod(stack_plan) -> None:
    plan = stack_plan("prod-aws")
    cidrs = plan.config.cloud.cluster.private_access_cidrs
    assert cidrs and plan.config.cloud.cluster.public_endpoint is False
    (cluster,) = of(plan, "aws:eks/cluster:Cluster")
    # Rules on the cluster's own security group (other 443 rules, e.g. the VPC endpoints', do not count).
    rules = [r for r in of(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
             if r["inputs"].get("fromPort") == 443 and cluster["urn"] in r["dependencies"]]
    assert sorted(r["inputs"]["cidrIpv4"] for r in rules) == sorted(cidrs)
    for rule in rules:
        assert rule["inputs"]["toPort"] == 443 and rule["inputs"]["ipProtocol"] == "tcp"
        assert cluster["urn"] in rule["dependencies"]  # the cluster's own security group
    (provider,) = [r for r in plan.resources if r["type"] == "pulumi:providers:kubernetes" and r["layer"] == "cloud_kernel"]
    assert {r["urn"] for r in rules} <= set(provider["dependencies"])
