"""The simulated Azure cloud: ARM-shaped, deterministic outputs for every azure-native type the backend uses,
and type tokens that exist in the installed SDK."""

from __future__ import annotations

import base64
import importlib.util
import re
from pathlib import Path
from types import SimpleNamespace

import yaml

from kernelctl.plan.simulated import azure
from kernelctl.plan.simulated.context import SimContext

CTX = SimContext(project="cloud-kernel", stack="t", region="westeurope")
GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def res(typ: str, name: str, inputs: dict, ctx: SimContext = CTX):
    args = SimpleNamespace(typ=typ, name=name, inputs=inputs, custom=True)
    return azure.RESOURCES[typ](args, inputs, ctx)


def test_every_simulated_type_and_invoke_exists_in_the_sdk() -> None:
    for token in [*azure.RESOURCES, *azure.CALLS]:
        _, module, _ = token.split(":")
        package = Path(importlib.util.find_spec(f"pulumi_azure_native.{module}").submodule_search_locations[0])
        assert any(f"'{token}'" in source.read_text() for source in package.glob("*.py")), token


def test_ids_are_arm_shaped_and_deterministic() -> None:
    rid, out = res("azure-native:network:Subnet", "n-nodes", {"resourceGroupName": "rg", "virtualNetworkName": "vnet", "subnetName": "nodes"})
    sub = azure.subscription(CTX)
    assert re.fullmatch(GUID, sub)
    assert rid == f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes"
    assert out["type"] == "Microsoft.Network/virtualNetworks/subnets" and out["name"] == "nodes"
    assert res("azure-native:network:Subnet", "n-nodes", {"resourceGroupName": "rg", "virtualNetworkName": "vnet", "subnetName": "nodes"}) == (rid, out)
    other = SimContext(project="cloud-kernel", stack="u", region="westeurope")
    assert azure.subscription(other) != sub
    grant_id, _ = res("azure-native:authorization:RoleAssignment", "g", {"scope": rid, "roleAssignmentName": "abc"})
    assert grant_id == f"{rid}/providers/Microsoft.Authorization/roleAssignments/abc"


def test_cluster_identity_vault_and_credentials() -> None:
    _, identity = res("azure-native:managedidentity:UserAssignedIdentity", "i", {"resourceGroupName": "rg", "resourceName": "id"})
    assert re.fullmatch(GUID, identity["clientId"]) and identity["clientId"] != identity["principalId"]
    _, vault = res("azure-native:keyvault:Vault", "v", {"resourceGroupName": "rg", "vaultName": "kv1", "properties": {"sku": {}}})
    assert vault["properties"]["vaultUri"] == "https://kv1.vault.azure.net/" and vault["properties"]["sku"] == {}
    _, key = res("azure-native:keyvault:Key", "k", {"resourceGroupName": "rg", "vaultName": "kv1", "keyName": "disks"})
    assert key["keyUri"] == "https://kv1.vault.azure.net/keys/disks" and key["keyUriWithVersion"].startswith(key["keyUri"] + "/")
    _, des = res("azure-native:compute:DiskEncryptionSet", "d", {"resourceGroupName": "rg", "identity": {"type": "UserAssigned", "userAssignedIdentities": ["/x/id"]}})
    assert set(des["identity"]["userAssignedIdentities"]["/x/id"]) == {"clientId", "principalId"}
    _, aks = res("azure-native:containerservice:ManagedCluster", "c",
                 {"resourceGroupName": "rg", "resourceName": "ck", "dnsPrefix": "ck", "apiServerAccessProfile": {"enablePrivateCluster": True}})
    assert aks["fqdn"] == "" and aks["privateFQDN"].endswith(".privatelink.westeurope.azmk8s.io")
    assert aks["oidcIssuerProfile"]["issuerURL"].startswith("https://westeurope.oic.prod-aks.azure.com/")
    creds = azure.CALLS["azure-native:containerservice:listManagedClusterUserCredentials"](
        SimpleNamespace(token="t", args={}), {"resourceGroupName": "rg", "resourceName": "ck"}, CTX)
    document = yaml.safe_load(base64.b64decode(creds["kubeconfigs"][0]["value"]))
    assert document["clusters"][0]["cluster"]["server"] == f"https://{aks['privateFQDN']}:443"
    config = azure.CALLS["azure-native:authorization:getClientConfig"](SimpleNamespace(token="t", args={}), {}, CTX)
    assert config["subscriptionId"] == azure.subscription(CTX) and config["tenantId"] == azure.tenant(CTX)
