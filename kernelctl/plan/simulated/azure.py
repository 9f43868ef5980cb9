"""Azure (azure-native) types and invokes of the simulated cloud.

Every handler derives its identifiers from `ctx.digest`, so the same program yields the same ARM resource
IDs, GUIDs and host names byte for byte. Shapes follow the azure-native provider's outputs (camelCase engine
names): what the backend reads (resource IDs, names, the identities' client and principal IDs, the vault
and key URIs, the AKS FQDNs and OIDC issuer URL, the cluster user kubeconfig, the Postgres FQDN, the storage
endpoints) is always present and plausible.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import yaml
from pulumi.runtime import MockCallArgs, MockResourceArgs

from kernelctl.plan.simulated.aws import CA_DATA
from kernelctl.plan.simulated.context import CallHandler, ResourceHandler, SimContext

Outputs = tuple[str, dict[str, Any]]
# The servers of the clusters created so far in a run, for the user-credentials invoke: (project, stack, name).
_API_SERVERS: dict[tuple[str, str, str], str] = {}


def guid(ctx: SimContext, *parts: object) -> str:
    h = ctx.digest("azure-guid", *parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def subscription(ctx: SimContext) -> str:
    return guid(ctx, "subscription")


def tenant(ctx: SimContext) -> str:
    return guid(ctx, "tenant")


def _name(ctx: SimContext, args: MockResourceArgs, inputs: dict[str, Any], field: str) -> str:
    """The name the resource was given, or what azure-native's auto-naming would pick (deterministic here)."""
    return str(inputs.get(field) or f"{args.name}{ctx.digest(args.typ, args.name, 'autoname', length=8)}")


def _group_id(ctx: SimContext, group: str) -> str:
    return f"/subscriptions/{subscription(ctx)}/resourceGroups/{group}"


def _arm(path: str, name_field: str, extra: Any = None) -> ResourceHandler:
    """A handler for an ARM resource in a resource group: `path` is the provider path, with `{field}` for
    inputs naming parents (`Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets`) and the name last."""

    def handler(args: MockResourceArgs, inputs: dict[str, Any], ctx: SimContext) -> Outputs:
        name = _name(ctx, args, inputs, name_field)
        prefix = re.sub(r"\{(\w+)\}", lambda m: str(inputs.get(m.group(1), "")), path)
        rid = f"{_group_id(ctx, inputs.get('resourceGroupName', ''))}/providers/{prefix}/{name}"
        out: dict[str, Any] = {"id": rid, "name": name, "type": re.sub(r"/\{\w+\}", "", path), "provisioningState": "Succeeded"}
        identity = _assigned_identities(inputs.get("identity"), ctx)
        if identity is not None:
            out["identity"] = identity
        if extra is not None:
            out.update(extra(args, inputs, ctx, name, rid))
        return rid, out

    return handler


def _assigned_identities(identity: Any, ctx: SimContext) -> dict[str, Any] | None:
    """Inputs list user-assigned identity IDs; Azure answers with a map of ID -> client and principal IDs."""
    if not isinstance(identity, dict):
        return None
    ids = identity.get("userAssignedIdentities") or []
    ids = list(ids) if isinstance(ids, (list, dict)) else []
    assigned = {i: {"clientId": guid(ctx, "client", i), "principalId": guid(ctx, "principal", i)} for i in sorted(ids)}
    return {**identity, "userAssignedIdentities": assigned, "tenantId": tenant(ctx)}


def _scoped(segment: str, name_field: str, scope_field: str) -> ResourceHandler:
    """Extension resources (role assignments, locks, diagnostic settings): `<scope>/providers/<segment>/<name>`."""

    def handler(args: MockResourceArgs, inputs: dict[str, Any], ctx: SimContext) -> Outputs:
        name = _name(ctx, args, inputs, name_field)
        rid = f"{inputs.get(scope_field, '')}/providers/{segment}/{name}"
        return rid, {"id": rid, "name": name, "type": segment}

    return handler


def _resource_group(args, inputs, ctx) -> Outputs:
    name = _name(ctx, args, inputs, "resourceGroupName")
    rid = _group_id(ctx, name)
    return rid, {"id": rid, "name": name, "location": inputs.get("location", ctx.region), "properties": {"provisioningState": "Succeeded"}}


def _identity(args, inputs, ctx, name, rid) -> dict[str, Any]:
    return {"clientId": guid(ctx, "client", rid), "principalId": guid(ctx, "principal", rid), "tenantId": tenant(ctx)}


def _vault(args, inputs, ctx, name, rid) -> dict[str, Any]:
    return {"properties": {**(inputs.get("properties") or {}), "vaultUri": f"https://{name}.vault.azure.net/"}}


def _key(args, inputs, ctx, name, rid) -> dict[str, Any]:
    uri = f"https://{inputs.get('vaultName')}.vault.azure.net/keys/{name}"
    return {"keyUri": uri, "keyUriWithVersion": f"{uri}/{ctx.digest('key-version', rid, length=32)}"}


def _secret(args, inputs, ctx, name, rid) -> dict[str, Any]:
    uri = f"https://{inputs.get('vaultName')}.vault.azure.net/secrets/{name}"
    properties = {k: v for k, v in (inputs.get("properties") or {}).items() if k != "value"}
    return {"properties": {**properties, "secretUri": uri, "secretUriWithVersion": f"{uri}/{ctx.digest('secret-version', rid, length=32)}"}}


def _public_ip(args, inputs, ctx, name, rid) -> dict[str, Any]:
    n = int(ctx.digest("ip", rid, length=6), 16)
    return {"ipAddress": f"20.{(n >> 16) % 256}.{(n >> 8) % 256}.{n % 254 + 1}"}


def _workspace(args, inputs, ctx, name, rid) -> dict[str, Any]:
    return {"customerId": guid(ctx, "workspace", rid)}


def _storage_account(args, inputs, ctx, name, rid) -> dict[str, Any]:
    endpoints = {svc: f"https://{name}.{svc}.core.windows.net/" for svc in ("blob", "dfs", "file", "queue", "table", "web")}
    return {"primaryEndpoints": endpoints, "primaryLocation": ctx.region, "statusOfPrimary": "available"}


def _postgres(args, inputs, ctx, name, rid) -> dict[str, Any]:
    return {"fullyQualifiedDomainName": f"{name}.postgres.database.azure.com", "state": "Ready"}


def _managed_cluster(args, inputs, ctx, name, rid) -> dict[str, Any]:
    prefix = inputs.get("dnsPrefix", name)
    marker = ctx.digest("aks", rid, length=8)
    fqdn = f"{prefix}-{marker}.hcp.{ctx.region}.azmk8s.io"
    access = inputs.get("apiServerAccessProfile") or {}
    private = access.get("enablePrivateCluster") is True
    private_fqdn = f"{prefix}-{marker}.{guid(ctx, 'aks-zone', rid)}.privatelink.{ctx.region}.azmk8s.io" if private else ""
    _API_SERVERS[(ctx.project, ctx.stack, name)] = f"https://{private_fqdn or fqdn}:443"
    kubelet = f"{_group_id(ctx, inputs.get('nodeResourceGroup', ''))}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}-agentpool"
    return {
        "fqdn": "" if private else fqdn,
        "privateFQDN": private_fqdn,
        "azurePortalFQDN": f"{prefix}-{marker}.portal.hcp.{ctx.region}.azmk8s.io",
        "currentKubernetesVersion": f"{inputs.get('kubernetesVersion', '1.33')}.3",
        "location": ctx.region,
        "oidcIssuerProfile": {"enabled": True, "issuerURL": f"https://{ctx.region}.oic.prod-aks.azure.com/{tenant(ctx)}/{guid(ctx, 'oidc', rid)}/"},
        "identityProfile": {"kubeletidentity": {"clientId": guid(ctx, "kubelet-client", rid), "objectId": guid(ctx, "kubelet-object", rid), "resourceId": kubelet}},
        "powerState": {"code": "Running"},
        "maxAgentPools": 100,
    }


def _agent_pool(args, inputs, ctx, name, rid) -> dict[str, Any]:
    return {"currentOrchestratorVersion": f"{inputs.get('orchestratorVersion', '1.33')}.3", "nodeImageVersion": "AzureLinux-202511.01.0"}


RESOURCES: dict[str, ResourceHandler] = {
    "azure-native:resources:ResourceGroup": _resource_group,
    "azure-native:network:VirtualNetwork": _arm("Microsoft.Network/virtualNetworks", "virtualNetworkName"),
    "azure-native:network:Subnet": _arm("Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets", "subnetName"),
    "azure-native:network:NetworkSecurityGroup": _arm("Microsoft.Network/networkSecurityGroups", "networkSecurityGroupName"),
    "azure-native:network:PublicIPAddress": _arm("Microsoft.Network/publicIPAddresses", "publicIpAddressName", _public_ip),
    "azure-native:network:NatGateway": _arm("Microsoft.Network/natGateways", "natGatewayName"),
    "azure-native:network:VirtualNetworkPeering": _arm(
        "Microsoft.Network/virtualNetworks/{virtualNetworkName}/virtualNetworkPeerings", "virtualNetworkPeeringName"
    ),
    "azure-native:network:PrivateEndpoint": _arm("Microsoft.Network/privateEndpoints", "privateEndpointName"),
    "azure-native:network:PrivateDnsZoneGroup": _arm(
        "Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups", "privateDnsZoneGroupName"
    ),
    "azure-native:privatedns:PrivateZone": _arm("Microsoft.Network/privateDnsZones", "privateZoneName"),
    "azure-native:privatedns:VirtualNetworkLink": _arm(
        "Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks", "virtualNetworkLinkName"
    ),
    "azure-native:keyvault:Vault": _arm("Microsoft.KeyVault/vaults", "vaultName", _vault),
    "azure-native:keyvault:Key": _arm("Microsoft.KeyVault/vaults/{vaultName}/keys", "keyName", _key),
    "azure-native:keyvault:Secret": _arm("Microsoft.KeyVault/vaults/{vaultName}/secrets", "secretName", _secret),
    "azure-native:managedidentity:UserAssignedIdentity": _arm(
        "Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName", _identity
    ),
    "azure-native:managedidentity:FederatedIdentityCredential": _arm(
        "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}/federatedIdentityCredentials",
        "federatedIdentityCredentialResourceName",
    ),
    "azure-native:authorization:RoleAssignment": _scoped("Microsoft.Authorization/roleAssignments", "roleAssignmentName", "scope"),
    "azure-native:authorization:ManagementLockByScope": _scoped("Microsoft.Authorization/locks", "lockName", "scope"),
    "azure-native:monitor:DiagnosticSetting": _scoped("Microsoft.Insights/diagnosticSettings", "name", "resourceUri"),
    "azure-native:compute:DiskEncryptionSet": _arm("Microsoft.Compute/diskEncryptionSets", "diskEncryptionSetName"),
    "azure-native:operationalinsights:Workspace": _arm("Microsoft.OperationalInsights/workspaces", "workspaceName", _workspace),
    "azure-native:containerservice:ManagedCluster": _arm("Microsoft.ContainerService/managedClusters", "resourceName", _managed_cluster),
    "azure-native:containerservice:AgentPool": _arm(
        "Microsoft.ContainerService/managedClusters/{resourceName}/agentPools", "agentPoolName", _agent_pool
    ),
    "azure-native:containerservice:MaintenanceConfiguration": _arm(
        "Microsoft.ContainerService/managedClusters/{resourceName}/maintenanceConfigurations", "configName"
    ),
    "azure-native:storage:StorageAccount": _arm("Microsoft.Storage/storageAccounts", "accountName", _storage_account),
    "azure-native:storage:BlobContainer": _arm(
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers", "containerName"
    ),
    "azure-native:storage:BlobServiceProperties": _arm(
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices", "blobServicesName"
    ),
    "azure-native:storage:ManagementPolicy": _arm(
        "Microsoft.Storage/storageAccounts/{accountName}/managementPolicies", "managementPolicyName"
    ),
    "azure-native:dbforpostgresql:Server": _arm("Microsoft.DBforPostgreSQL/flexibleServers", "serverName", _postgres),
    "azure-native:dbforpostgresql:Configuration": _arm(
        "Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/configurations", "configurationName"
    ),
}


# ----- invokes ---------------------------------------------------------------------------------------------
def _client_config(args: MockCallArgs, inputs: dict[str, Any], ctx: SimContext) -> dict[str, Any]:
    return {
        "clientId": guid(ctx, "deployer-client"),
        "objectId": guid(ctx, "deployer-object"),
        "subscriptionId": subscription(ctx),
        "tenantId": tenant(ctx),
    }


def _user_credentials(args: MockCallArgs, inputs: dict[str, Any], ctx: SimContext) -> dict[str, Any]:
    name = str(inputs.get("resourceName", ""))
    server = _API_SERVERS.get((ctx.project, ctx.stack, name), f"https://{name}.hcp.{ctx.region}.azmk8s.io:443")
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority-data": CA_DATA}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": f"clusterUser_{inputs.get('resourceGroupName')}_{name}"}}],
        "current-context": name,
        "users": [{"name": f"clusterUser_{inputs.get('resourceGroupName')}_{name}", "user": {"exec": {"command": "kubelogin"}}}],
    }
    value = base64.b64encode(yaml.safe_dump(document, sort_keys=True).encode()).decode()
    return {"kubeconfigs": [{"name": "clusterUser", "value": value}]}


CALLS: dict[str, CallHandler] = {
    "azure-native:authorization:getClientConfig": _client_config,
    "azure-native:containerservice:listManagedClusterUserCredentials": _user_credentials,
}
