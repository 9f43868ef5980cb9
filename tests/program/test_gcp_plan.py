"""The whole program on both GCP stack files: what the cloud kernel creates and its secure defaults, read from
the plan (one plan per stack for the session), the core kernel's GKE specifics, and the no-churn property of
a node-pool resize."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

GCP_STACKS = ["dev-gcp", "prod-gcp"]


def of(plan, type_: str) -> list[dict]:
    return sorted((r for r in plan.resources if r["type"] == type_), key=lambda r: r["urn"])


def objects(plan, kind: str) -> list[dict]:
    return [o for o in plan.kubernetes if o["kind"] == kind]


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_the_cloud_kernel_is_complete(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    spec = plan.config.cloud
    c = Counter(r["type"] for r in plan.resources)
    assert c["gcp:compute/network:Network"] == c["gcp:compute/subnetwork:Subnetwork"] == 1
    assert c["gcp:compute/routerNat:RouterNat"] == 1 and c["gcp:servicenetworking/connection:Connection"] == 1
    assert c["gcp:container/cluster:Cluster"] == 1
    assert c["gcp:container/nodePool:NodePool"] == len(spec.node_pools) >= 2
    assert c["gcp:kms/cryptoKey:CryptoKey"] == 4
    assert c["gcp:storage/bucket:Bucket"] == len(spec.lakehouse) + 1  # plus the access-log bucket
    assert c["gcp:sql/databaseInstance:DatabaseInstance"] == c["gcp:secretmanager/secret:Secret"] == len(spec.postgres)
    assert c["aws:eks/cluster:Cluster"] == 0 and not [r for r in plan.resources if r["type"].startswith("aws:")]
    (cluster,) = of(plan, "gcp:container/cluster:Cluster")
    assert len(cluster["inputs"]["nodeLocations"]) == spec.network.zones
    classes = {s["inputs"]["metadata"]["name"]: s["inputs"]["provisioner"]
               for s in of(plan, "kubernetes:storage.k8s.io/v1:StorageClass") if s["layer"] == "cloud_kernel"}
    assert classes == {key: "filestore.csi.storage.gke.io" if v.tier == "shared" else "pd.csi.storage.gke.io"
                       for key, v in spec.volumes.classes.items()}


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_secure_defaults_hold_in_the_plan(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    prod = plan.config.environment == "prod"
    (gke,) = of(plan, "gcp:container/cluster:Cluster")
    i = gke["inputs"]
    assert i["privateClusterConfig"]["enablePrivateNodes"] is True
    assert i["privateClusterConfig"]["enablePrivateEndpoint"] is prod
    assert i["databaseEncryption"]["state"] == "ENCRYPTED" and i["workloadIdentityConfig"]["workloadPool"]
    assert i["datapathProvider"] == "ADVANCED_DATAPATH" and i["removeDefaultNodePool"] is True
    assert gke["protect"] is prod and i["deletionProtection"] is prod
    for pool in of(plan, "gcp:container/nodePool:NodePool"):
        config = pool["inputs"]["nodeConfig"]
        assert config["workloadMetadataConfig"] == {"mode": "GKE_METADATA"} and config["bootDiskKmsKey"]
        assert config["shieldedInstanceConfig"] == {"enableIntegrityMonitoring": True, "enableSecureBoot": True}
        assert "initialNodeCount" in pool["ignore_changes"]
    for key in of(plan, "gcp:kms/cryptoKey:CryptoKey"):
        assert key["inputs"]["rotationPeriod"] and key["protect"] is prod
    for bucket in of(plan, "gcp:storage/bucket:Bucket"):
        b = bucket["inputs"]
        assert b["publicAccessPrevention"] == "enforced" and b["uniformBucketLevelAccess"] is True
        assert b["encryption"]["defaultKmsKeyName"] and b["forceDestroy"] is False and bucket["protect"] is prod
    for db in of(plan, "gcp:sql/databaseInstance:DatabaseInstance"):
        s = db["inputs"]["settings"]
        assert s["ipConfiguration"]["ipv4Enabled"] is False and s["ipConfiguration"]["sslMode"] == "ENCRYPTED_ONLY"
        assert db["inputs"]["encryptionKeyName"] and db["protect"] is prod
        assert s["availabilityType"] == ("REGIONAL" if prod else "ZONAL")
        if prod:
            assert db["inputs"]["deletionProtection"] is True and s["backupConfiguration"]["backupRetentionSettings"]["retainedBackups"] >= 14
    for version in of(plan, "gcp:secretmanager/secretVersion:SecretVersion"):
        assert version["inputs"]["secretData"] == "[secret]"
    assert [p for p in plan.policy if p["level"] == "mandatory"] == []


def test_prod_protects_its_state_and_runs_a_tainted_gpu_pool(stack_plan) -> None:
    plan = stack_plan("prod-gcp")
    gpu = [p for p in of(plan, "gcp:container/nodePool:NodePool") if p["inputs"]["nodeConfig"].get("guestAccelerators")]
    assert len(gpu) == 1
    assert gpu[0]["inputs"]["nodeConfig"]["taints"] == [{"effect": "NO_SCHEDULE", "key": "nvidia.com/gpu", "value": "present"}]
    (gke,) = of(plan, "gcp:container/cluster:Cluster")
    assert [b["cidrBlock"] for b in gke["inputs"]["masterAuthorizedNetworksConfig"]["cidrBlocks"]] == ["10.250.0.0/24", "10.251.8.0/22"]
    protected = Counter(r["type"] for r in plan.resources if r["protect"])
    assert protected == {"gcp:container/cluster:Cluster": 1, "gcp:kms/cryptoKey:CryptoKey": 4, "gcp:storage/bucket:Bucket": 3,
                         "gcp:sql/databaseInstance:DatabaseInstance": 2}
    dev = stack_plan("dev-gcp")
    assert any(p["inputs"]["nodeConfig"]["spot"] for p in of(dev, "gcp:container/nodePool:NodePool"))
    assert not [r for r in dev.resources if r["protect"]]


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_core_kernel_on_gke(stack_plan, stack: str) -> None:
    """The GKE specifics the core kernel takes from the contract and its per-cloud tables."""
    plan = stack_plan(stack)
    (store,) = objects(plan, "ClusterSecretStore")
    auth = store["spec"]["provider"]["gcpsm"]["auth"]["workloadIdentity"]
    assert auth["serviceAccountRef"] == {"name": "external-secrets", "namespace": "external-secrets"}
    assert auth["clusterName"] == plan.outputs["clusterName"]
    # Every ExternalSecret names a GCP secret id ([A-Za-z0-9_-] only) the reader's grant covers.
    for es in objects(plan, "ExternalSecret"):
        for item in es["spec"]["data"]:
            assert "/" not in item["remoteRef"]["key"], (es["metadata"], item)
    releases = {r["inputs"]["name"]: r["inputs"]["values"] for r in of(plan, "kubernetes:helm.sh/v3:Release")}
    envoy_proxy = objects(plan, "EnvoyProxy")[0]
    annotations = envoy_proxy["spec"]["provider"]["kubernetes"]["envoyService"]["annotations"]
    assert annotations == {"networking.gke.io/load-balancer-type": "Internal"}
    identity_egress = {o["metadata"]["namespace"] for o in objects(plan, "NetworkPolicy") if o["metadata"]["name"] == "allow-workload-identity"}
    assert {"external-secrets", "iceberg-catalog", "retail"} <= identity_egress
    catalog = releases["lakekeeper"]["catalog"]["config"]
    assert catalog["LAKEKEEPER__ENABLE_GCP_SYSTEM_CREDENTIALS"] == "true"
    warehouse = next(json.loads(o["data"]["warehouse.json"]) for o in objects(plan, "ConfigMap") if "warehouse.json" in (o.get("data") or {}))
    lake = plan.outputs["lakehouse"]["lake"]["bucket"]
    assert warehouse["storage-profile"] == {"type": "gcs", "bucket": lake, "key-prefix": "retail"}
    assert warehouse["storage-credential"] == {"type": "gcs", "credential-type": "gcp-system-identity"}
    context = json.loads(next(o for o in objects(plan, "ConfigMap") if o["metadata"]["name"] == "platform-context")["data"]["context.json"])
    assert context["cloud"] == "gcp" and context["workspaces"]["identity_annotation_key"] == "iam.gke.io/gcp-service-account"
    assert context["secret_store"]["separator"] == "_" and "/" not in context["secret_store"]["prefix"]


def test_raising_a_pool_max_changes_exactly_one_resource(stack_plan, tmp_path: Path) -> None:
    from kernelctl.plan.runner import run_plan

    source = ROOT / "stacks" / "Pulumi.prod-gcp.yaml"
    document = yaml.safe_load(source.read_text())
    pools = document["config"]["cloud-kernel:cloud"]["nodePools"]
    pools["workloads"]["maxSize"] = pools["workloads"]["maxSize"] + 7
    changed_file = tmp_path / "Pulumi.prod-gcp.yaml"
    changed_file.write_text(yaml.safe_dump(document, sort_keys=False))

    before = {r["urn"]: r for r in stack_plan("prod-gcp").resources}
    after = {r["urn"]: r for r in run_plan(changed_file, "prod-gcp", root=ROOT).resources}
    assert set(before) == set(after), "no URN may appear or disappear"
    changed = sorted(urn for urn in before if before[urn]["inputs"] != after[urn]["inputs"])
    assert len(changed) == 1 and changed[0].endswith("::cloud-pool-workloads-nodes"), changed
    urn = changed[0]
    assert after[urn]["inputs"]["autoscaling"]["totalMaxNodeCount"] == before[urn]["inputs"]["autoscaling"]["totalMaxNodeCount"] + 7


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_every_kubernetes_object_validates_and_every_pod_is_restricted(stack_plan, stack: str) -> None:
    from tests.schema.test_core_objects import _pod_specs, assert_restricted
    from tests.support.k8s_validation import validate_objects

    plan = stack_plan(stack)
    assert len(plan.kubernetes) > 150
    # The platform's own kinds are checked against the generated CRDs in tests/schema; a Secret whose whole
    # stringData is one secret Output is redacted as a whole in the plan (not a schema problem of the object).
    checked = [o for o in plan.kubernetes if not o["apiVersion"].startswith("kernel.cloudkernel.io/")
               and not (o["kind"] == "Secret" and o.get("stringData") == "[secret]")]
    assert len(checked) > 150
    assert validate_objects(checked) == []
    pods = [(f"{o['kind']}/{o['metadata']['name']}", pod) for o in plan.kubernetes for pod in _pod_specs(o)]
    assert len(pods) >= 5
    for where, pod in pods:
        assert_restricted(pod, where)
