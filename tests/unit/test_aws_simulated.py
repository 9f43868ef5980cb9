"""The simulated AWS cloud: realistic, deterministic outputs and a real policy renderer."""

from __future__ import annotations

import base64
import json
import re
from types import SimpleNamespace

from kernelctl.plan.simulated import aws
from kernelctl.plan.simulated.context import SimContext

CTX = SimContext(project="cloud-kernel", stack="t", region="eu-west-1")


def res(typ: str, name: str, inputs: dict, ctx: SimContext = CTX):
    args = SimpleNamespace(typ=typ, name=name, inputs=inputs, custom=True)
    return aws.RESOURCES[typ](args, inputs, ctx)


def call(token: str, inputs: dict):
    return aws.CALLS[token](SimpleNamespace(token=token, args=inputs), inputs, CTX)


def test_ids_are_aws_shaped_and_deterministic() -> None:
    vpc_id, vpc = res("aws:ec2/vpc:Vpc", "net-vpc", {})
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", vpc_id)
    assert vpc["arn"] == f"arn:aws:ec2:eu-west-1:123456789012:vpc/{vpc_id}"
    assert res("aws:ec2/vpc:Vpc", "net-vpc", {}) == (vpc_id, vpc)
    assert res("aws:ec2/vpc:Vpc", "other", {})[0] != vpc_id
    other_stack = SimContext(project="cloud-kernel", stack="u", region="eu-west-1")
    assert res("aws:ec2/vpc:Vpc", "net-vpc", {}, other_stack)[0] != vpc_id
    key_id, key = res("aws:kms/key:Key", "k", {})
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", key_id)
    assert key["arn"] == f"arn:aws:kms:eu-west-1:123456789012:key/{key_id}"


def test_eks_cluster_outputs() -> None:
    name, out = res("aws:eks/cluster:Cluster", "c", {"name": "ck", "vpcConfig": {"subnetIds": ["s"]}})
    assert name == "ck" and out["arn"] == "arn:aws:eks:eu-west-1:123456789012:cluster/ck"
    assert re.fullmatch(r"https://[0-9A-F]{32}\.gr7\.eu-west-1\.eks\.amazonaws\.com", out["endpoint"])
    assert base64.b64decode(out["certificateAuthority"]["data"]).startswith(b"-----BEGIN CERTIFICATE-----")
    issuer = out["identities"][0]["oidcs"][0]["issuer"]
    assert re.fullmatch(r"https://oidc\.eks\.eu-west-1\.amazonaws\.com/id/[0-9A-F]{32}", issuer)
    assert out["vpcConfig"]["clusterSecurityGroupId"].startswith("sg-") and out["vpcConfig"]["subnetIds"] == ["s"]


def test_rds_outputs_include_the_managed_secret() -> None:
    ident, out = res("aws:rds/instance:Instance", "db", {"identifier": "ck-db", "port": 5432, "manageMasterUserPassword": True, "engineVersion": "16"})
    assert ident == "ck-db" and out["address"].startswith("ck-db.c") and out["address"].endswith(".eu-west-1.rds.amazonaws.com")
    assert out["endpoint"] == f"{out['address']}:5432" and out["engineVersionActual"].startswith("16.")
    assert out["masterUserSecrets"][0]["secretArn"].startswith("arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-")
    _, without = res("aws:rds/instance:Instance", "db", {"identifier": "ck-db"})
    assert without["masterUserSecrets"] == []
    _, cluster = res("aws:rds/cluster:Cluster", "a", {"clusterIdentifier": "ck-a", "manageMasterUserPassword": True})
    assert ".cluster-c" in cluster["endpoint"] and ".cluster-ro-c" in cluster["readerEndpoint"]


def test_buckets_and_autonamed_roles() -> None:
    name, out = res("aws:s3/bucket:Bucket", "b", {"bucket": "my-bucket"})
    assert name == "my-bucket" and out["arn"] == "arn:aws:s3:::my-bucket"
    assert out["bucketRegionalDomainName"] == "my-bucket.s3.eu-west-1.amazonaws.com"
    role, out = res("aws:iam/role:Role", "cloud-role", {})
    assert re.fullmatch(r"cloud-role-[0-9a-f]{7}", role) and out["arn"] == f"arn:aws:iam::123456789012:role/{role}"


def test_invokes() -> None:
    zones = call("aws:index/getAvailabilityZones:getAvailabilityZones", {"state": "available"})
    assert zones["names"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"] and zones["zoneIds"][0] == "euw1-az1"
    me = call("aws:index/getCallerIdentity:getCallerIdentity", {})
    assert me["accountId"] == "123456789012" and ":assumed-role/" in me["arn"]
    session = call("aws:iam/getSessionContext:getSessionContext", {"arn": me["arn"]})
    assert session["issuerArn"] == "arn:aws:iam::123456789012:role/cloud-kernel-deployer"
    assert call("aws:index/getPartition:getPartition", {})["partition"] == "aws"
    assert call("aws:index/getRegion:getRegion", {})["name"] == "eu-west-1"


def test_policy_document_is_rendered_like_the_provider() -> None:
    doc = call(
        "aws:iam/getPolicyDocument:getPolicyDocument",
        {
            "statements": [
                {"sid": "One", "effect": "Allow", "actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/*"],
                 "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::1:root"]}]},
                {"effect": "Deny", "actions": ["s3:*"], "resources": ["a", "b"], "principals": [{"type": "*", "identifiers": ["*"]}],
                 "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]},
                                {"test": "StringEquals", "variable": "x:sub", "values": ["p", "q"]}]},
            ]
        },
    )
    parsed = json.loads(doc["json"])
    assert parsed == json.loads(doc["minifiedJson"])
    assert parsed == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "One", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
             "Principal": {"AWS": "arn:aws:iam::1:root"}},
            {"Effect": "Deny", "Action": "s3:*", "Resource": ["a", "b"], "Principal": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"x:sub": ["p", "q"]}}},
        ],
    }


def test_every_type_the_backend_uses_has_a_handler() -> None:
    """Scan the backend source for `aws.<module>.<Type>(` constructors and check the simulator answers them."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "cloud_kernel" / "aws"
    used = set()
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Attribute):
                owner = node.func.value
                if isinstance(owner.value, ast.Name) and owner.value.id == "aws" and node.func.attr[0].isupper() and not node.func.attr.endswith("Args"):
                    used.add((owner.attr, node.func.attr))
    assert used, "scanner found nothing"
    tokens = {(t.split(":")[1].split("/")[0], t.split(":")[2]) for t in aws.RESOURCES}
    assert used - tokens == set()
