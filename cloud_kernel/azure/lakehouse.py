"""`cloud-kernel:azure:LakehouseAccount`: one ADLS Gen2 storage account per lakehouse entry, holding its Iceberg
warehouses in one container (`abfss://<key>@<account>.dfs.core.windows.net/`).

Secure by default, as the Azure Verified Module for storage accounts:
- hierarchical namespace, zone-redundant (`Standard_ZRS`), TLS 1.2, HTTPS only;
- no public blob access, no shared-key access (Entra ID only, OAuth by default in the portal), no local users
  or SFTP, no cross-tenant replication, copies only over private links;
- public network access disabled: private endpoints for `dfs` and `blob` in the `endpoints` subnet,
  registered in their private DNS zones;
- encrypted with the `lakehouse` Key Vault key through its user-assigned identity, plus infrastructure
  (double) encryption;
- blob and container soft delete, lifecycle management and read/write/delete logs to Log Analytics.

The neutral lifecycle keys map as follows (HNS accounts have no blob versioning): `noncurrentVersionDays` ->
soft-delete retention of deleted or overwritten blobs and the age at which snapshots are deleted;
`archiveAfterDays` -> move blobs to the Cold tier (online, millisecond reads: old Iceberg snapshots stay
queryable); `abortMultipartDays` has no Azure setting: uncommitted blocks expire after 7 days by themselves.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native.monitor as monitor
import pulumi_azure_native.storage as storage

from cloud_kernel.azure.network import private_endpoint
from cloud_kernel.azure.providers import AzureEnv
from cloud_kernel.specs import LakehouseBucketSpec

MAX_SOFT_DELETE_DAYS = 365
STORAGE_LOGS = ["StorageRead", "StorageWrite", "StorageDelete"]


def container_name(key: str) -> str:
    """Containers need 3 to 63 characters; short keys get a suffix."""
    return key if len(key) >= 3 else f"{key}-lakehouse"


def lifecycle_rules(spec: LakehouseBucketSpec) -> list[storage.ManagementPolicyRuleArgs]:
    block_blobs = storage.ManagementPolicyFilterArgs(blob_types=["blockBlob"])
    rules = [
        storage.ManagementPolicyRuleArgs(
            name="expire-snapshots",
            enabled=True,
            type="Lifecycle",
            definition=storage.ManagementPolicyDefinitionArgs(
                filters=block_blobs,
                actions=storage.ManagementPolicyActionArgs(
                    snapshot=storage.ManagementPolicySnapShotArgs(
                        delete=storage.DateAfterCreationArgs(days_after_creation_greater_than=spec.noncurrent_version_days)
                    )
                ),
            ),
        )
    ]
    if spec.archive_after_days is not None:
        rules.append(
            storage.ManagementPolicyRuleArgs(
                name="cold-tier",
                enabled=True,
                type="Lifecycle",
                definition=storage.ManagementPolicyDefinitionArgs(
                    filters=block_blobs,
                    actions=storage.ManagementPolicyActionArgs(
                        base_blob=storage.ManagementPolicyBaseBlobArgs(
                            tier_to_cold=storage.DateAfterModificationArgs(days_after_modification_greater_than=spec.archive_after_days)
                        )
                    ),
                ),
            )
        )
    return rules


def account_args(env: AzureEnv, key: str, *, key_vault_uri: pulumi.Input[str], identity_id: pulumi.Input[str]) -> dict:
    return dict(
        account_name=env.unique_name(key, 24),
        resource_group_name=env.resource_group_name,
        kind="StorageV2",
        sku=storage.SkuArgs(name="Standard_ZRS"),
        access_tier="Hot",
        is_hns_enabled=True,
        allow_blob_public_access=False,
        allow_shared_key_access=False,
        default_to_o_auth_authentication=True,
        allow_cross_tenant_replication=False,
        allowed_copy_scope="PrivateLink",
        is_local_user_enabled=False,
        is_sftp_enabled=False,
        minimum_tls_version="TLS1_2",
        enable_https_traffic_only=True,
        public_network_access="Disabled",
        network_rule_set=storage.NetworkRuleSetArgs(default_action="Deny", bypass="AzureServices"),
        identity=storage.IdentityArgs(type="UserAssigned", user_assigned_identities=[identity_id]),
        encryption=storage.EncryptionArgs(
            key_source="Microsoft.Keyvault",
            key_vault_properties=storage.KeyVaultPropertiesArgs(key_name="lakehouse", key_vault_uri=key_vault_uri),
            encryption_identity=storage.EncryptionIdentityArgs(encryption_user_assigned_identity=identity_id),
            require_infrastructure_encryption=True,
            services=storage.EncryptionServicesArgs(
                blob=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                file=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
            ),
        ),
        tags={**env.tags, "purpose": "lakehouse", "lakehouse": key},
    )


class LakehouseAccount(pulumi.ComponentResource):
    """`cloud-kernel:azure:LakehouseAccount`."""

    def __init__(
        self,
        name: str,
        env: AzureEnv,
        key: str,
        spec: LakehouseBucketSpec,
        *,
        key_vault_uri: pulumi.Input[str],
        identity_id: pulumi.Input[str],
        key_grants: list[pulumi.Resource],
        workspace_id: pulumi.Input[str],
        subnet_id: pulumi.Input[str],
        dns_zone_ids: dict[str, pulumi.Input[str]],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:azure:LakehouseAccount", name, None, opts)
        self.account = storage.StorageAccount(
            f"{name}-account",
            **account_args(env, key, key_vault_uri=key_vault_uri, identity_id=identity_id),
            # The identity must hold its key role before Azure wraps the account key with it.
            opts=env.stateful(self, depends_on=key_grants),
        )
        self.container = storage.BlobContainer(
            f"{name}-container",
            container_name=container_name(key),
            account_name=self.account.name,
            resource_group_name=env.resource_group_name,
            public_access="None",
            opts=env.stateful(self),
        )
        self._data_protection(name, env, spec, workspace_id)
        for group in ("dfs", "blob"):
            private_endpoint(
                f"{name}-{group}-endpoint", env, label=f"lake-{key}", target_id=self.account.id, group=group,
                subnet_id=subnet_id, dns_zone_id=dns_zone_ids[group], parent=self,
            )
        self.id = self.account.id
        self.name = self.account.name
        self.container_id = self.container.id
        self.uri = pulumi.Output.concat("abfss://", container_name(key), "@", self.account.name, ".dfs.core.windows.net/")
        self.register_outputs({"account": self.account.name, "uri": self.uri})

    def _data_protection(self, name: str, env: AzureEnv, spec: LakehouseBucketSpec, workspace_id: pulumi.Input[str]) -> None:
        """Soft delete, lifecycle rules and access logs of the account."""
        child = pulumi.ResourceOptions(parent=self)
        retention = min(spec.noncurrent_version_days, MAX_SOFT_DELETE_DAYS)
        storage.BlobServiceProperties(
            f"{name}-blob-service",
            blob_services_name="default",
            account_name=self.account.name,
            resource_group_name=env.resource_group_name,
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=retention),
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=retention),
            opts=child,
        )
        storage.ManagementPolicy(
            f"{name}-lifecycle",
            management_policy_name="default",
            account_name=self.account.name,
            resource_group_name=env.resource_group_name,
            policy=storage.ManagementPolicySchemaArgs(rules=lifecycle_rules(spec)),
            opts=child,
        )
        monitor.DiagnosticSetting(
            f"{name}-diagnostics",
            name="blob-access",
            resource_uri=self.account.id.apply(lambda account_id: f"{account_id}/blobServices/default"),
            workspace_id=workspace_id,
            log_analytics_destination_type="Dedicated",
            logs=[monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True) for c in STORAGE_LOGS],
            opts=child,
        )
