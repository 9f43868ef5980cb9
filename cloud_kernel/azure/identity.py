"""Workload identities on AKS: a user-assigned managed identity per request, federated with exactly one
Kubernetes service account (`issuer` = the cluster's OIDC issuer, `subject` =
`system:serviceaccount:<namespace>:<name>`, audience `api://AzureADTokenExchange`).

Grants, each on the narrowest scope Azure RBAC offers:
- lakehouse buckets: `Storage Blob Data Contributor` (readwrite) or `Reader` (read) on the bucket's container
  only; with a `prefix`, an ABAC condition limits blob reads, writes and deletes to paths under it (the
  accounts have a hierarchical namespace, so `:path` is the blob's path in the container). `Storage Blob
  Delegator` on the account lets the identity sign user-delegation SAS tokens, which carry no more than the
  identity's own data access (the catalog vends them to engines);
- `secretsRead`: `Key Vault Secrets User` on the stack's vault. Azure RBAC cannot scope by secret-name
  prefix, so the vault (one per stack) is the boundary; README: Azure;
- `databaseAdminSecrets`: `Key Vault Secrets User` on each Postgres admin secret, one assignment per secret.
The contract carries `azure.workload.identity/client-id` (and the tenant) as service-account annotations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_azure_native.managedidentity as managedidentity

from cloud_kernel.azure.providers import AzureEnv
from cloud_kernel.contracts import require_known_buckets
from cloud_kernel.specs import IdentityRequest

CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id"
AUDIENCE = "api://AzureADTokenExchange"
# The AKS workload identity webhook projects the token only into pods that opt in with this label.
POD_LABELS = {"azure.workload.identity/use": "true"}
BLOB = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
DATA_ACTIONS = ("read", "write", "delete", "add/action", "move/action")


@dataclass(frozen=True)
class BucketScope:
    account_id: pulumi.Output[str]
    container_id: pulumi.Output[str]


def prefix_condition(prefix: str) -> str | None:
    """An ABAC condition admitting blob data actions only under `prefix/` (None without a prefix)."""
    path = prefix.strip("/")
    if not path:
        return None
    actions = " AND ".join(f"!(ActionMatches{{'{BLOB}/{action}'}})" for action in DATA_ACTIONS)
    return f"(({actions}) OR (@Resource[{BLOB}:path] StringStartsWith '{path}/'))"


class WorkloadIdentity(pulumi.ComponentResource):
    """`cloud-kernel:azure:WorkloadIdentity`: one managed identity for one Kubernetes service account."""

    def __init__(
        self,
        name: str,
        env: AzureEnv,
        request: IdentityRequest,
        *,
        issuer: pulumi.Input[str],
        buckets: Mapping[str, BucketScope],
        vault_id: pulumi.Input[str],
        database_secret_ids: Mapping[str, pulumi.Output[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:azure:WorkloadIdentity", name, None, opts)
        require_known_buckets(request, buckets)
        self.request = request
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=f"{env.prefix}-{request.name}",
            resource_group_name=env.resource_group_name,
            tags={**env.tags, "kubernetes-namespace": request.namespace, "kubernetes-service-account": request.service_account},
            opts=pulumi.ResourceOptions(parent=self),
        )
        managedidentity.FederatedIdentityCredential(
            f"{name}-federation",
            federated_identity_credential_resource_name="kubernetes",
            resource_name_=self.identity.name,
            resource_group_name=env.resource_group_name,
            issuer=issuer,
            subject=f"system:serviceaccount:{request.namespace}:{request.service_account}",
            audiences=[AUDIENCE],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._grants(name, env, request, buckets, vault_id, database_secret_ids)
        self.client_id = self.principal = self.identity.client_id
        self.annotations = pulumi.Output.all(self.identity.client_id, env.tenant_id).apply(
            lambda ids: {CLIENT_ID_ANNOTATION: ids[0], TENANT_ID_ANNOTATION: ids[1]}
        )
        self.register_outputs({"clientId": self.identity.client_id})

    def _grants(self, name: str, env: AzureEnv, request: IdentityRequest, buckets: Mapping[str, BucketScope],
                vault_id: pulumi.Input[str], database_secret_ids: Mapping[str, pulumi.Output[str]] | None) -> None:
        principal = self.identity.principal_id
        for key, access in sorted(request.buckets.items()):
            role = "Storage Blob Data Contributor" if access == "readwrite" else "Storage Blob Data Reader"
            env.grant(f"{name}-{key}-data", role, principal_id=principal, scope=buckets[key].container_id, parent=self,
                      condition=prefix_condition(request.prefix))
            env.grant(f"{name}-{key}-delegator", "Storage Blob Delegator", principal_id=principal,
                      scope=buckets[key].account_id, parent=self)
        if request.secrets_read:
            env.grant(f"{name}-secrets", "Key Vault Secrets User", principal_id=principal, scope=vault_id, parent=self)
        if request.database_admin_secrets:
            for key, secret_id in sorted((database_secret_ids or {}).items()):
                env.grant(f"{name}-db-{key}-admin-secret", "Key Vault Secrets User", principal_id=principal,
                          scope=secret_id, parent=self)
