"""`cloud-kernel:azure:Keys`: the stack's Key Vault, one rotating key per purpose, the identities that use
them and the disk encryption set.

- Key Vault: Azure RBAC authorization (no access policies), purge protection, soft delete, public network
  access disabled (trusted Azure services bypass the firewall: disk encryption sets, storage and Postgres reach
  their keys that way), a private endpoint in the `endpoints` subnet. Premium SKU: keys are HSM-backed.
- Keys (`RSA-HSM`): `cluster` (AKS KMS for etcd), `disks` (the disk encryption set), `lakehouse` (storage
  accounts), `databases` (Postgres). Each rotates yearly by policy and notifies 30 days before expiry.
- One user-assigned identity per purpose, granted only what it needs on its own key: the cluster's gets
  `Key Vault Crypto User` (KMS encrypts and decrypts) and `Key Vault Contributor` on the vault (AKS opens its
  private link to a private vault); the others get `Key Vault Crypto Service Encryption User` (wrap/unwrap).
- The disk encryption set (customer key, follows the newest key version) encrypts node OS disks and the
  volumes of every disk StorageClass.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native.compute as compute
import pulumi_azure_native.keyvault as keyvault
import pulumi_azure_native.managedidentity as managedidentity

from cloud_kernel.azure.network import private_endpoint
from cloud_kernel.azure.providers import AzureEnv

PURPOSES: dict[str, str] = {
    "cluster": "AKS KMS encryption of Kubernetes secrets in etcd",
    "disks": "node OS disks and persistent volumes (disk encryption set)",
    "lakehouse": "lakehouse storage accounts",
    "databases": "Postgres flexible servers",
}
KEY_SIZES = {"cluster": 2048}  # AKS KMS takes RSA 2048; the others use 3072
KEY_OPERATIONS = ["encrypt", "decrypt", "wrapKey", "unwrapKey"]
KEY_ROLE = {"cluster": "Key Vault Crypto User"}  # others: Key Vault Crypto Service Encryption User


def rotation_policy() -> keyvault.RotationPolicyArgs:
    return keyvault.RotationPolicyArgs(
        attributes=keyvault.KeyRotationPolicyAttributesArgs(expiry_time="P2Y"),
        lifetime_actions=[
            keyvault.LifetimeActionArgs(action=keyvault.ActionArgs(type="rotate"), trigger=keyvault.TriggerArgs(time_after_create="P1Y")),
            keyvault.LifetimeActionArgs(action=keyvault.ActionArgs(type="notify"), trigger=keyvault.TriggerArgs(time_before_expiry="P30D")),
        ],
    )


class Keys(pulumi.ComponentResource):
    """`cloud-kernel:azure:Keys`."""

    vault: keyvault.Vault
    keys: dict[str, keyvault.Key]
    identities: dict[str, managedidentity.UserAssignedIdentity]

    def __init__(
        self,
        name: str,
        env: AzureEnv,
        *,
        retention_days: int,
        subnet_id: pulumi.Input[str],
        dns_zone_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:azure:Keys", name, None, opts)
        self.vault = self._vault(name, env, retention_days)
        self.endpoint = private_endpoint(
            f"{name}-vault-endpoint", env, label="kv", target_id=self.vault.id, group="vault",
            subnet_id=subnet_id, dns_zone_id=dns_zone_id, parent=self,
        )
        self.keys, self.identities, self.grants = {}, {}, {}
        for purpose, description in PURPOSES.items():
            self.keys[purpose] = self._key(name, env, purpose, description)
            self.identities[purpose] = managedidentity.UserAssignedIdentity(
                f"{name}-{purpose}-identity",
                resource_name_=f"{env.prefix}-{purpose}",
                resource_group_name=env.resource_group_name,
                tags={**env.tags, "purpose": purpose},
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.grants[purpose] = [
                env.grant(
                    f"{name}-{purpose}-key-use",
                    KEY_ROLE.get(purpose, "Key Vault Crypto Service Encryption User"),
                    principal_id=self.identities[purpose].principal_id,
                    scope=self.keys[purpose].id,
                    parent=self,
                )
            ]
        self.grants["cluster"].append(
            env.grant(f"{name}-cluster-vault", "Key Vault Contributor", principal_id=self.identities["cluster"].principal_id,
                      scope=self.vault.id, parent=self)
        )
        self.disk_encryption_set = self._disk_encryption_set(name, env)
        self.register_outputs({"vaultUri": self.vault_uri, "keys": {p: k.key_uri for p, k in self.keys.items()}})

    def _vault(self, name: str, env: AzureEnv, retention_days: int) -> keyvault.Vault:
        return keyvault.Vault(
            f"{name}-vault",
            vault_name=env.unique_name("kv", 24),
            resource_group_name=env.resource_group_name,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=env.tenant_id,
                sku=keyvault.SkuArgs(family="A", name="premium"),
                enable_rbac_authorization=True,
                enable_purge_protection=True,
                enable_soft_delete=True,
                soft_delete_retention_in_days=retention_days,
                public_network_access="Disabled",
                network_acls=keyvault.NetworkRuleSetArgs(default_action="Deny", bypass="AzureServices"),
                enabled_for_deployment=False,
                enabled_for_disk_encryption=False,
                enabled_for_template_deployment=False,
            ),
            tags=env.tags,
            opts=env.stateful(self),
        )

    def _key(self, name: str, env: AzureEnv, purpose: str, description: str) -> keyvault.Key:
        return keyvault.Key(
            f"{name}-{purpose}",
            key_name=purpose,
            vault_name=self.vault.name,
            resource_group_name=env.resource_group_name,
            properties=keyvault.KeyPropertiesArgs(
                kty="RSA-HSM",
                key_size=KEY_SIZES.get(purpose, 3072),
                key_ops=KEY_OPERATIONS,
                attributes=keyvault.KeyAttributesArgs(enabled=True, exportable=False),
                rotation_policy=rotation_policy(),
            ),
            tags={**env.tags, "purpose": purpose, "description": description},
            opts=env.stateful(self),
        )

    def _disk_encryption_set(self, name: str, env: AzureEnv) -> compute.DiskEncryptionSet:
        return compute.DiskEncryptionSet(
            f"{name}-disks-des",
            disk_encryption_set_name=f"{env.prefix}-disks",
            resource_group_name=env.resource_group_name,
            encryption_type="EncryptionAtRestWithCustomerKey",
            active_key=compute.KeyForDiskEncryptionSetArgs(
                key_url=self.keys["disks"].key_uri, source_vault=compute.SourceVaultArgs(id=self.vault.id)
            ),
            identity=compute.EncryptionSetIdentityArgs(type="UserAssigned", user_assigned_identities=[self.identities["disks"].id]),
            rotation_to_latest_key_version_enabled=True,
            tags=env.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.grants["disks"]),
        )

    @property
    def vault_uri(self) -> pulumi.Output[str]:
        return self.vault.properties.apply(lambda p: p.vault_uri)

    def key_uri(self, purpose: str) -> pulumi.Output[str]:
        return self.keys[purpose].key_uri

    def identity(self, purpose: str) -> managedidentity.UserAssignedIdentity:
        return self.identities[purpose]
