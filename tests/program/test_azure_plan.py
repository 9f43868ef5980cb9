"""The whole program on both Azure stack files: what the cloud kernel creates on AKS and its secure defaults,
read from the plan (one plan per stack for the session), the no-churn property of a node-pool resize and a
CLI plan byte-identical to the session's."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from core_kernel.naming import CATALOG_SERVICE_ACCOUNT, NAMESPACES
from tests.conftest import ROOT
from tests.support.cli_plan import assert_cli_writes_the_session_plan

AZURE_STACKS = ["dev-azure", "prod-azure"]


def of(plan, type_: str) -> list[dict]:
    return sorted((r for r in plan.resources if r["type"] == type_), key=lambda r: r["urn"])


def counts(plan) -> Counter:
    return Counter(r["type"] for r in plan.resources)


@pytest.mark.parametrize("stack", AZURE_STACKS)
def test_the_cloud_kernel_is_complete(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    spec = plan.config.cloud
    c = counts(plan)
    assert plan.cloud == "azure" and plan.warnings == []
    assert c["azure-native:resources:ResourceGroup"] == 1
    assert c["azure-native:network:VirtualNetwork"] == 1 and c["azure-native:network:Subnet"] == 3
    assert c["azure-native:network:NatGateway"] == 1
    assert c["azure-native:containerservice:ManagedCluster"] == 1
    assert c["azure-native:containerservice:AgentPool"] == len(spec.node_pools) >= 2
    assert c["azure-native:containerservice:MaintenanceConfiguration"] == 2
    assert c["azure-native:keyvault:Vault"] == 1 and c["azure-native:keyvault:Key"] == 4
    assert c["azure-native:compute:DiskEncryptionSet"] == 1
    assert c["azure-native:storage:StorageAccount"] == c["azure-native:storage:BlobContainer"] == len(spec.lakehouse)
    assert c["azure-native:dbforpostgresql:Server"] == len(spec.postgres)
    # Key Vault, plus dfs and blob per storage account.
    assert c["azure-native:network:PrivateEndpoint"] == 1 + 2 * len(spec.lakehouse)
    subjects = {r["inputs"]["subject"] for r in of(plan, "azure-native:managedidentity:FederatedIdentityCredential")}
    assert f"system:serviceaccount:{NAMESPACES['externalSecrets']}:external-secrets" in subjects
    assert f"system:serviceaccount:{NAMESPACES['catalog']}:{CATALOG_SERVICE_ACCOUNT}" in subjects
    assert "system:serviceaccount:retail:dataos-runner" in subjects
    classes = {s["inputs"]["metadata"]["name"] for s in of(plan, "kubernetes:storage.k8s.io/v1:StorageClass") if s["layer"] == "cloud_kernel"}
    assert classes == set(spec.volumes.classes)
    assert plan.outputs["cloud"] == "azure"


@pytest.mark.parametrize("stack", AZURE_STACKS)
def test_secure_defaults_hold_in_the_plan(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    prod = plan.config.environment == "prod"
    (aks,) = of(plan, "azure-native:containerservice:ManagedCluster")
    i = aks["inputs"]
    assert i["disableLocalAccounts"] is True and i["aadProfile"]["enableAzureRBAC"] is True
    assert i["securityProfile"]["workloadIdentity"]["enabled"] is True and i["securityProfile"]["azureKeyVaultKms"]["enabled"] is True
    assert i["networkProfile"]["outboundType"] == "userAssignedNATGateway" and i["networkProfile"]["networkPolicy"] == "cilium"
    assert i["apiServerAccessProfile"]["enablePrivateCluster"] is prod
    assert i["sku"]["tier"] == ("Standard" if prod else "Free")
    assert len(i["agentPoolProfiles"]) == 1 and i["agentPoolProfiles"][0]["nodeTaints"] == ["CriticalAddonsOnly=true:NoSchedule"]
    assert aks["protect"] is prod
    for pool in of(plan, "azure-native:containerservice:AgentPool"):
        assert pool["inputs"]["enableEncryptionAtHost"] is True and pool["inputs"]["mode"] == "User"
        assert pool["ignore_changes"] == ["count"] and len(pool["inputs"]["agentPoolName"]) <= 12
    for subnet in of(plan, "azure-native:network:Subnet"):
        assert subnet["inputs"]["defaultOutboundAccess"] is False and subnet["inputs"]["networkSecurityGroup"]["id"]
    (vault,) = of(plan, "azure-native:keyvault:Vault")
    assert vault["inputs"]["properties"]["publicNetworkAccess"] == "Disabled" and vault["protect"] is prod
    for account in of(plan, "azure-native:storage:StorageAccount"):
        a = account["inputs"]
        assert a["allowBlobPublicAccess"] is False and a["allowSharedKeyAccess"] is False and a["publicNetworkAccess"] == "Disabled"
        assert a["encryption"]["keySource"] == "Microsoft.Keyvault" and a["isHnsEnabled"] is True and account["protect"] is prod
    for server in of(plan, "azure-native:dbforpostgresql:Server"):
        assert server["inputs"]["network"]["publicNetworkAccess"] == "Disabled" and server["protect"] is prod
        assert "availabilityZone" in server["ignore_changes"] and "highAvailability.standbyAvailabilityZone" in server["ignore_changes"]
        assert "[secret]" not in json.dumps(server["inputs"]["network"])
    configs = {c["inputs"]["configurationName"]: c["inputs"]["value"] for c in of(plan, "azure-native:dbforpostgresql:Configuration")}
    assert configs["require_secure_connection"] == "on" and configs["ssl_min_protocol_version"] == "TLSv1.2"
    for secret in of(plan, "azure-native:keyvault:Secret"):
        assert secret["inputs"]["properties"]["value"] == "[secret]"
    assert [p for p in plan.policy if p["level"] == "mandatory"] == []


def test_prod_is_zone_redundant_locked_and_has_a_gpu_pool(stack_plan) -> None:
    plan = stack_plan("prod-azure")
    (server,) = of(plan, "azure-native:dbforpostgresql:Server")
    assert server["inputs"]["highAvailability"]["mode"] == "ZoneRedundant"
    assert len(of(plan, "azure-native:authorization:ManagementLockByScope")) == 1
    gpu = [p for p in of(plan, "azure-native:containerservice:AgentPool") if p["inputs"].get("gpuProfile")]
    assert len(gpu) == 1 and gpu[0]["inputs"]["nodeTaints"] == ["nvidia.com/gpu=true:NoSchedule"]
    assert gpu[0]["inputs"]["vmSize"].startswith("Standard_NC")
    dev = stack_plan("dev-azure")
    (dev_server,) = of(dev, "azure-native:dbforpostgresql:Server")
    assert dev_server["inputs"]["highAvailability"]["mode"] == "Disabled" and dev_server["inputs"]["sku"]["tier"] == "Burstable"
    assert any(p["inputs"]["scaleSetPriority"] == "Spot" for p in of(dev, "azure-native:containerservice:AgentPool"))


def test_the_core_kernel_uses_the_azure_tables(stack_plan) -> None:
    plan = stack_plan("dev-azure")
    (store,) = [o for o in plan.kubernetes if o["kind"] == "ClusterSecretStore"]
    provider = store["spec"]["provider"]["azurekv"]
    assert provider["authType"] == "WorkloadIdentity" and provider["vaultUrl"].endswith(".vault.azure.net/")
    releases = {r["inputs"]["chart"]: r["inputs"]["values"] for r in of(plan, "kubernetes:helm.sh/v3:Release")}
    catalog = releases["lakekeeper"]
    assert catalog["catalog"]["podLabels"] == {"azure.workload.identity/use": "true"}
    assert catalog["catalog"]["config"]["LAKEKEEPER__ENABLE_AZURE_SYSTEM_CREDENTIALS"] == "true"
    assert set(catalog["serviceAccount"]["annotations"]) == {"azure.workload.identity/client-id", "azure.workload.identity/tenant-id"}
    (request,) = [json.loads(o["data"]["warehouse.json"]) for o in plan.kubernetes
                  if o["kind"] == "ConfigMap" and "warehouse.json" in (o.get("data") or {})]
    account = plan.outputs["lakehouse"]["lake"]["bucket"]
    assert request["storage-profile"] == {"type": "adls", "account-name": account, "filesystem": "lake", "key-prefix": "retail"}
    assert request["storage-credential"] == {"type": "az", "credential-type": "azure-system-identity"}
    assert not any("eks.amazonaws.com" in json.dumps(o) for o in plan.kubernetes)
    # Key Vault secret names: letters, digits and dashes only.
    keys = [d["remoteRef"]["key"] for o in plan.kubernetes if o["kind"] == "ExternalSecret" for d in o["spec"].get("data") or []]
    assert keys and all(re.fullmatch(r"[0-9A-Za-z-]{1,127}", k) for k in keys), keys
    assert "cloud-kernel-dev-workspaces-retail-databases-orders" in keys


def test_raising_a_pool_max_changes_exactly_one_resource(stack_plan, tmp_path: Path) -> None:
    from kernelctl.plan.runner import run_plan

    document = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev-azure.yaml").read_text())
    pools = document["config"]["cloud-kernel:cloud"]["nodePools"]
    pools["general"]["maxSize"] = pools["general"]["maxSize"] + 7
    changed_file = tmp_path / "Pulumi.dev-azure.yaml"
    changed_file.write_text(yaml.safe_dump(document, sort_keys=False))

    before = {r["urn"]: r for r in stack_plan("dev-azure").resources}
    after = {r["urn"]: r for r in run_plan(changed_file, "dev-azure", root=ROOT).resources}
    assert set(before) == set(after), "no URN may appear or disappear"
    changed = sorted(urn for urn in before if before[urn]["inputs"] != after[urn]["inputs"])
    assert len(changed) == 1 and changed[0].endswith("::cloud-pool-general-nodes"), changed
    assert after[changed[0]]["inputs"]["maxCount"] == before[changed[0]]["inputs"]["maxCount"] + 7


def test_cli_plan_is_deterministic(stack_plan, tmp_path: Path) -> None:
    assert_cli_writes_the_session_plan(stack_plan("prod-azure"), tmp_path)
