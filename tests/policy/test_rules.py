"""Policy rules: a passing and a failing case for each rule, plus the evaluate() contract."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest

from policy import rules

KEY = "arn:aws:kms:eu-west-1:123456789012:key/k"
TLS_POLICY = '{"Statement":[{"Effect":"Deny","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}'


def r(type_: str, name: str, inputs: dict, *, deps: list[str] = (), protect: bool = True) -> dict:
    return {"type": type_, "urn": f"urn:{name}", "inputs": inputs, "dependencies": list(deps), "protect": protect}


def good_plan() -> list[dict]:
    return [
        r(rules.BUCKET, "lake", {"bucket": "lake"}),
        r(rules.PUBLIC_ACCESS_BLOCK, "lake-pab", {"bucket": "lake", **{f: True for f in rules.PUBLIC_ACCESS_FLAGS}}, deps=["urn:lake"]),
        r(rules.BUCKET_ENCRYPTION, "lake-sse", {"bucket": "lake", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY}}]}),
        r(rules.BUCKET_POLICY, "lake-policy", {"bucket": "lake", "policy": TLS_POLICY}),
        r(rules.BUCKET_LOGGING, "lake-logging", {"bucket": "lake", "targetBucket": "logs"}),
        r(rules.BUCKET, "logs", {"bucket": "logs"}),
        r(rules.PUBLIC_ACCESS_BLOCK, "logs-pab", {"bucket": "logs", **{f: True for f in rules.PUBLIC_ACCESS_FLAGS}}),
        r(rules.BUCKET_ENCRYPTION, "logs-sse", {"bucket": "logs", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}),
        r(rules.BUCKET_POLICY, "logs-policy", {"bucket": "logs", "policy": TLS_POLICY}),
        r("aws:rds/parameterGroup:ParameterGroup", "pg", {"parameters": [{"name": "rds.force_ssl", "value": "1"}]}),
        r(rules.RDS_INSTANCE, "db", {"storageEncrypted": True, "kmsKeyId": KEY, "publiclyAccessible": False, "deletionProtection": True}, deps=["urn:pg"]),
        r(rules.EKS_CLUSTER, "eks", {"vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": False}}),
        r(rules.LAUNCH_TEMPLATE, "lt", {
            "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1},
            "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "kmsKeyId": KEY}}],
        }),
        r(rules.KMS_KEY, "key", {"enableKeyRotation": True}),
        r(rules.LOG_GROUP, "lg", {"kmsKeyId": KEY, "retentionInDays": 30}),
        *good_gcp_plan(),
    ]


GCP_KEY = "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"


def good_gcp_plan() -> list[dict]:
    return [
        r(rules.GCS_BUCKET, "gcs", {"publicAccessPrevention": "enforced", "uniformBucketLevelAccess": True,
                                    "encryption": {"defaultKmsKeyName": GCP_KEY}}),
        r(rules.CLOUD_SQL, "sql", {"encryptionKeyName": GCP_KEY, "deletionProtection": True, "settings": {
            "deletionProtectionEnabled": True, "ipConfiguration": {"ipv4Enabled": False, "sslMode": "ENCRYPTED_ONLY"}}}),
        r(rules.GKE_CLUSTER, "gke", {
            "privateClusterConfig": {"enablePrivateNodes": True, "enablePrivateEndpoint": True},
            "workloadIdentityConfig": {"workloadPool": "p.svc.id.goog"},
            "databaseEncryption": {"state": "ENCRYPTED", "keyName": GCP_KEY},
        }),
        r(rules.GKE_NODE_POOL, "pool", {"nodeConfig": {
            "workloadMetadataConfig": {"mode": "GKE_METADATA"}, "bootDiskKmsKey": GCP_KEY,
            "serviceAccount": "gke-general@p.iam.gserviceaccount.com",
            "shieldedInstanceConfig": {"enableSecureBoot": True, "enableIntegrityMonitoring": True}}}),
        r(rules.CLOUD_KMS_KEY, "ckey", {"purpose": "ENCRYPT_DECRYPT", "rotationPeriod": "7776000s"}),
    ]


def test_the_good_plan_passes_everywhere() -> None:
    for env in ("dev", "staging", "prod"):
        assert rules.evaluate(good_plan(), env) == []


def mutate(urn_name: str, change) -> list[dict]:
    plan = copy.deepcopy(good_plan())
    target = next(x for x in plan if x["urn"] == f"urn:{urn_name}")
    change(target)
    return plan


FAILURES = [
    ("s3-public-access-blocked", "lake-pab", lambda x: x["inputs"].update(restrictPublicBuckets=False), "dev", "urn:lake"),
    ("s3-public-access-blocked", "lake-pab", lambda x: x.update(type="aws:other"), "dev", "urn:lake"),
    ("s3-encrypted-kms", "lake-sse", lambda x: x["inputs"]["rules"][0]["applyServerSideEncryptionByDefault"].update(sseAlgorithm="AES256", kmsMasterKeyId=None), "dev", "urn:lake"),
    ("s3-encrypted-kms", "logs-sse", lambda x: x.update(type="aws:other"), "dev", "urn:logs"),
    ("s3-tls-only", "lake-policy", lambda x: x["inputs"].update(policy='{"Statement":[]}'), "dev", "urn:lake"),
    ("rds-encrypted", "db", lambda x: x["inputs"].update(storageEncrypted=False), "dev", "urn:db"),
    ("rds-encrypted", "db", lambda x: x["inputs"].pop("kmsKeyId"), "dev", "urn:db"),
    ("rds-force-ssl", "pg", lambda x: x["inputs"].update(parameters=[{"name": "rds.force_ssl", "value": "0"}]), "dev", "urn:db"),
    ("rds-force-ssl", "db", lambda x: x.update(dependencies=[]), "dev", "urn:db"),
    ("rds-not-public", "db", lambda x: x["inputs"].update(publiclyAccessible=True), "dev", "urn:db"),
    ("rds-deletion-protection-in-prod", "db", lambda x: x["inputs"].update(deletionProtection=False), "prod", "urn:db"),
    ("eks-private-endpoint-in-prod", "eks", lambda x: x["inputs"]["vpcConfig"].update(endpointPublicAccess=True, publicAccessCidrs=["203.0.113.0/24"]), "prod", "urn:eks"),
    ("eks-private-endpoint-in-prod", "eks", lambda x: x["inputs"]["vpcConfig"].update(endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"]), "dev", "urn:eks"),
    ("eks-private-endpoint-in-prod", "eks", lambda x: x["inputs"]["vpcConfig"].update(endpointPrivateAccess=False), "dev", "urn:eks"),
    # The whole internet however it is written: two /1s are 0.0.0.0/0 (the bypass of a text comparison).
    ("eks-private-endpoint-in-prod", "eks", lambda x: x["inputs"]["vpcConfig"].update(endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/1", "128.0.0.0/1"]), "dev", "urn:eks"),
    ("eks-private-endpoint-in-prod", "eks", lambda x: x["inputs"]["vpcConfig"].update(endpointPublicAccess=True, publicAccessCidrs=[f"{i}.0.0.0/8" for i in range(256)]), "dev", "urn:eks"),
    ("eks-public-access-narrow", "eks", lambda x: x["inputs"]["vpcConfig"].update(endpointPublicAccess=True, publicAccessCidrs=["198.0.0.0/8"]), "dev", "urn:eks"),
    ("eks-public-access-narrow", "eks", lambda x: x["inputs"]["vpcConfig"].update(endpointPublicAccess=True, publicAccessCidrs=["203.0.0.0/16", "203.1.0.0/16"]), "dev", "urn:eks"),
    ("launch-template-imdsv2", "lt", lambda x: x["inputs"]["metadataOptions"].update(httpTokens="optional"), "dev", "urn:lt"),
    ("launch-template-imds-hop-limit", "lt", lambda x: x["inputs"]["metadataOptions"].update(httpPutResponseHopLimit=2), "dev", "urn:lt"),
    ("launch-template-encrypted-volumes", "lt", lambda x: x["inputs"]["blockDeviceMappings"][0]["ebs"].update(encrypted="false"), "dev", "urn:lt"),
    ("kms-rotation", "key", lambda x: x["inputs"].update(enableKeyRotation=False), "dev", "urn:key"),
    ("log-group-encrypted", "lg", lambda x: x["inputs"].pop("kmsKeyId"), "dev", "urn:lg"),
    ("stateful-protected-in-prod", "db", lambda x: x.update(protect=False), "prod", "urn:db"),
    ("stateful-protected-in-prod", "gcs", lambda x: x.update(protect=False), "prod", "urn:gcs"),
    ("gcs-private", "gcs", lambda x: x["inputs"].update(publicAccessPrevention="inherited"), "dev", "urn:gcs"),
    ("gcs-private", "gcs", lambda x: x["inputs"].update(uniformBucketLevelAccess=False), "dev", "urn:gcs"),
    ("gcs-encrypted-cmek", "gcs", lambda x: x["inputs"].pop("encryption"), "dev", "urn:gcs"),
    ("cloudsql-private-tls-cmek", "sql", lambda x: x["inputs"]["settings"]["ipConfiguration"].update(ipv4Enabled=True), "dev", "urn:sql"),
    ("cloudsql-private-tls-cmek", "sql", lambda x: x["inputs"]["settings"]["ipConfiguration"].update(sslMode="ALLOW_UNENCRYPTED_AND_ENCRYPTED"), "dev", "urn:sql"),
    ("cloudsql-private-tls-cmek", "sql", lambda x: x["inputs"]["settings"]["ipConfiguration"].update(authorizedNetworks=[{"value": "0.0.0.0/0"}]), "dev", "urn:sql"),
    ("cloudsql-private-tls-cmek", "sql", lambda x: x["inputs"].pop("encryptionKeyName"), "dev", "urn:sql"),
    ("cloudsql-deletion-protection-in-prod", "sql", lambda x: x["inputs"]["settings"].update(deletionProtectionEnabled=False), "prod", "urn:sql"),
    ("gke-private-cluster", "gke", lambda x: x["inputs"]["privateClusterConfig"].update(enablePrivateEndpoint=False), "prod", "urn:gke"),
    ("gke-private-cluster", "gke", lambda x: x["inputs"]["privateClusterConfig"].update(enablePrivateEndpoint=False), "dev", "urn:gke"),
    ("gke-private-cluster", "gke", lambda x: x["inputs"]["privateClusterConfig"].update(enablePrivateNodes=False), "dev", "urn:gke"),
    ("gke-private-cluster", "gke", lambda x: (x["inputs"]["privateClusterConfig"].update(enablePrivateEndpoint=False), x["inputs"].update(masterAuthorizedNetworksConfig={"cidrBlocks": [{"cidrBlock": "0.0.0.0/1"}, {"cidrBlock": "128.0.0.0/1"}]})), "dev", "urn:gke"),
    ("gke-workload-identity", "gke", lambda x: x["inputs"].pop("workloadIdentityConfig"), "dev", "urn:gke"),
    ("gke-workload-identity", "gke", lambda x: x["inputs"]["databaseEncryption"].update(state="DECRYPTED"), "dev", "urn:gke"),
    ("gke-workload-identity", "pool", lambda x: x["inputs"]["nodeConfig"]["workloadMetadataConfig"].update(mode="GCE_METADATA"), "dev", "urn:pool"),
    ("gke-hardened-nodes", "pool", lambda x: x["inputs"]["nodeConfig"]["shieldedInstanceConfig"].update(enableSecureBoot=False), "dev", "urn:pool"),
    ("gke-hardened-nodes", "pool", lambda x: x["inputs"]["nodeConfig"].pop("bootDiskKmsKey"), "dev", "urn:pool"),
    ("gke-hardened-nodes", "pool", lambda x: x["inputs"]["nodeConfig"].update(serviceAccount="123-compute@developer.gserviceaccount.com"), "dev", "urn:pool"),
    ("cloud-kms-rotation", "ckey", lambda x: x["inputs"].pop("rotationPeriod"), "dev", "urn:ckey"),
]


@pytest.mark.parametrize("rule, target, change, env, urn", FAILURES, ids=[f"{f[0]}-{i}" for i, f in enumerate(FAILURES)])
def test_each_rule_fails_on_its_violation(rule, target, change, env, urn) -> None:
    findings = rules.evaluate(mutate(target, change), env)
    assert [f["rule"] for f in findings] == [rule], findings
    (finding,) = findings
    assert finding["urn"] == urn and finding["message"]
    assert finding["level"] == next(x.level for x in rules.RULES if x.name == rule)


def test_every_rule_has_a_failing_case() -> None:
    assert {x.name for x in rules.RULES} == {f[0] for f in FAILURES}


def test_production_only_rules_do_not_fire_elsewhere() -> None:
    plan = mutate("db", lambda x: (x["inputs"].update(deletionProtection=False), x.update(protect=False)))
    assert rules.evaluate(plan, "dev") == []
    public_dev = mutate("eks", lambda x: x["inputs"]["vpcConfig"].update(endpointPublicAccess=True, publicAccessCidrs=["203.0.113.0/24"]))
    assert rules.evaluate(public_dev, "dev") == []
    gke_dev = mutate("gke", lambda x: (x["inputs"]["privateClusterConfig"].update(enablePrivateEndpoint=False),
                                       x["inputs"].update(masterAuthorizedNetworksConfig={"cidrBlocks": [{"cidrBlock": "203.0.113.0/24"}]})))
    assert rules.evaluate(gke_dev, "dev") == []
    sql = mutate("sql", lambda x: (x["inputs"].update(deletionProtection=False), x.update(protect=False)))
    assert rules.evaluate(sql, "dev") == []
    one_slash16 = mutate("eks", lambda x: x["inputs"]["vpcConfig"].update(endpointPublicAccess=True, publicAccessCidrs=["203.0.0.0/17", "203.0.128.0/17"]))
    assert rules.evaluate(one_slash16, "dev") == []


def test_asymmetric_keys_are_exempt_from_rotation() -> None:
    plan = mutate("key", lambda x: x["inputs"].update(enableKeyRotation=False, customerMasterKeySpec="RSA_2048"))
    assert rules.evaluate(plan, "dev") == []


def test_rules_import_no_pulumi() -> None:
    tree = ast.parse(Path(rules.__file__).read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(n.startswith("pulumi") for n in names)
