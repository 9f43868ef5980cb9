"""The explicit providers of the Azure backend and the facts every Azure component shares (`AzureEnv`).

Stacks set `pulumi:disable-default-providers: ["*"]`: every resource inherits the azure-native provider from
the root component and every invoke names it. Names are deterministic: `<project>-<stack>-<role>` where Azure
allows it, a digest of the subscription where a name must be globally unique (Key Vault, storage accounts).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.provider as azure_provider_module
import yaml

from cloud_kernel.environment import CloudEnv
from cloud_kernel.kubernetes import exec_kubeconfig

# The first-party Entra application of the AKS API server: kubelogin asks for tokens with this audience.
AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
# Azure built-in role definition IDs (the same GUID in every tenant).
ROLES = {
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
    "Key Vault Contributor": "f25e0fa2-a7c8-4377-a976-54943a77a395",
    "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
    "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Storage Blob Delegator": "db58b8e5-c6ad-4a2a-8342-4190687cbf4a",
    "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
}
# Regions without availability zones: resources there are regional (no `zones`).
REGIONS_WITHOUT_ZONES = frozenset(
    {"westus", "northcentralus", "westcentralus", "canadaeast", "ukwest", "japanwest", "koreasouth", "southindia",
     "westindia", "australiasoutheast", "australiacentral2", "francesouth", "germanynorth", "norwaywest",
     "switzerlandwest", "uaecentral", "southafricawest", "brazilsoutheast"}
)


@dataclass(frozen=True)
class AzureEnv(CloudEnv):
    """`CloudEnv` plus what every Azure component needs: zones, subscription, tenant, deployer, resource group."""

    zones: int
    subscription_id: pulumi.Output[str]
    tenant_id: pulumi.Output[str]
    deployer_object_id: pulumi.Output[str]
    resource_group_name: pulumi.Output[str]
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def location(self) -> str:
        return self.region

    @property
    def zone_names(self) -> list[str] | None:
        """Availability zones `1..zones` (None where the region has none: resources stay regional)."""
        if self.location in REGIONS_WITHOUT_ZONES:
            return None
        return [str(i + 1) for i in range(self.zones)]

    def unique_name(self, role: str, length: int) -> pulumi.Output[str]:
        """A globally unique lowercase alphanumeric name: readable stem plus a digest of subscription, stack and
        role (never random), at most `length` characters (storage accounts: 24)."""
        return self.subscription_id.apply(lambda sub: unique_name(self.project, self.stack, role, sub, length))

    def role_definition(self, role: str) -> pulumi.Output[str]:
        return self.subscription_id.apply(
            lambda sub: f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{ROLES[role]}"
        )

    def grant(
        self,
        name: str,
        role: str,
        *,
        principal_id: pulumi.Input[str],
        scope: pulumi.Input[str],
        parent: pulumi.Resource,
        principal_type: str | None = "ServicePrincipal",
        depends_on: Sequence[pulumi.Resource] = (),
        condition: str | None = None,
    ) -> authorization.RoleAssignment:
        """One built-in role for one principal on one scope (optionally narrowed by an ABAC condition); the
        assignment's GUID derives from its logical name."""
        return authorization.RoleAssignment(
            name,
            role_assignment_name=assignment_guid(self.project, self.stack, name),
            role_definition_id=self.role_definition(role),
            principal_id=principal_id,
            principal_type=principal_type,
            scope=scope,
            condition=condition,
            condition_version="2.0" if condition else None,
            description=f"{self.prefix}: {role}",
            opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
        )


def unique_name(project: str, stack: str, role: str, subscription: str, length: int) -> str:
    digest = hashlib.sha256(f"{subscription}/{project}/{stack}/{role}".encode()).hexdigest()[:8]
    stem = re.sub(r"[^a-z0-9]", "", f"{role}{project}{stack}".lower())
    return f"{stem[: length - len(digest)]}{digest}"


def assignment_guid(project: str, stack: str, name: str) -> str:
    """Role assignment names are GUIDs: a name-based UUID of the stack and the resource's logical name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cloud-kernel/{project}/{stack}/{name}"))


def azure_provider(name: str, location: str, parent: pulumi.Resource) -> azure_provider_module.Provider:
    return azure_provider_module.Provider(name, location=location, opts=pulumi.ResourceOptions(parent=parent))


def kubeconfig(cluster_name: pulumi.Input[str], user_kubeconfig: pulumi.Output[str]) -> pulumi.Output[str]:
    """A kubeconfig that authenticates with Entra ID through `kubelogin` (the Azure CLI login of the pipeline):
    no static credential, local accounts are disabled. Server and CA come from the cluster's user credentials
    (`listManagedClusterUserCredentials`)."""
    cluster = user_kubeconfig.apply(lambda text: yaml.safe_load(text)["clusters"][0]["cluster"])
    return exec_kubeconfig(
        cluster_name,
        cluster.apply(lambda c: c["server"]),
        cluster.apply(lambda c: c["certificate-authority-data"]),
        {
            "command": "kubelogin",
            "args": ["get-token", "--login", "azurecli", "--server-id", AKS_SERVER_APP_ID],
            "interactiveMode": "Never",
        },
    )


def client_config(provider: azure_provider_module.Provider, parent: pulumi.Resource) -> Any:
    return authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(provider=provider, parent=parent))
