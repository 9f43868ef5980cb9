"""`cloud-kernel:azure:Postgres`: an Azure Database for PostgreSQL flexible server per `postgres` entry.

As the Azure Verified Module for flexible servers, secure by default:
- VNet-integrated in the delegated `postgres` subnet with its private DNS zone, public network access off;
- TLS only (`require_secure_connection=on`, `ssl_min_protocol_version=TLSv1.2`) plus connection, lock and
  slow-query logging; server parameters are applied one after another (Azure refuses concurrent updates);
- data encrypted with the `databases` Key Vault key through its user-assigned identity (versionless key
  URI: Azure follows the key's rotation);
- Entra ID authentication on. Password authentication stays on because the platform's bootstrap jobs log in
  with the admin password: it is generated (pulumi_random, a secret Output) and kept in the stack's Key Vault
  as the JSON secret `postgres-<key>-admin` (`username`, `password`), which External Secrets reads;
- backups kept `backupRetentionDays`, storage auto-grow (Azure owns the size after creation), a custom
  maintenance window from `maintenanceWindow`;
- `highAvailability`: zone-redundant HA (primary in zone 1, standby in zone 2); Azure swaps the zones on a
  failover, so both zone fields are in `ignore_changes` (otherwise the next `pulumi up` fails over back);
- `deletionProtection`: a `CanNotDelete` management lock, and `protect` in production.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.dbforpostgresql as dbforpostgresql
import pulumi_azure_native.keyvault as keyvault
import pulumi_azure_native.monitor as monitor
import pulumi_random as random

from cloud_kernel import machines
from cloud_kernel.azure.providers import AzureEnv
from cloud_kernel.specs import PostgresSpec

PORT = 5432
ADMIN_USERNAME = "ckadmin"
# Flexible server storage comes in these sizes (GiB); a requested size rounds up to the next one.
STORAGE_SIZES = (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767)
DAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
PARAMETERS = {
    "require_secure_connection": "on",
    "ssl_min_protocol_version": "TLSv1.2",
    "log_connections": "on",
    "log_disconnections": "on",
    "log_lock_waits": "on",
    "log_min_duration_statement": "1000",
}
ZONE_FIELDS = ["availabilityZone", "highAvailability.standbyAvailabilityZone"]


def storage_size(gb: int) -> int:
    return next((size for size in STORAGE_SIZES if size >= gb), STORAGE_SIZES[-1])


def sku(spec: PostgresSpec) -> dbforpostgresql.SkuArgs:
    name = machines.database_class("azure", spec.size)
    return dbforpostgresql.SkuArgs(name=name, tier="Burstable" if name.startswith("Standard_B") else "GeneralPurpose")


def high_availability(spec: PostgresSpec, zones: list[str] | None) -> dbforpostgresql.HighAvailabilityArgs:
    if not spec.high_availability:
        return dbforpostgresql.HighAvailabilityArgs(mode="Disabled")
    if sku(spec).tier == "Burstable":
        raise ValueError(f"postgres size {spec.size!r} is burstable on Azure, which has no high availability; use medium or larger")
    if not zones or len(zones) < 2:
        return dbforpostgresql.HighAvailabilityArgs(mode="SameZone")
    return dbforpostgresql.HighAvailabilityArgs(mode="ZoneRedundant", standby_availability_zone=zones[1])


def maintenance_window(spec: PostgresSpec) -> dbforpostgresql.MaintenanceWindowArgs:
    day, hour, minute = spec.maintenance_window.split("-")[0].split(":")
    return dbforpostgresql.MaintenanceWindowArgs(custom_window="Enabled", day_of_week=DAYS[day], start_hour=int(hour), start_minute=int(minute))


class Postgres(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        env: AzureEnv,
        key: str,
        spec: PostgresSpec,
        *,
        subnet_id: pulumi.Input[str],
        dns_zone_id: pulumi.Input[str],
        key_uri: pulumi.Input[str],
        identity_id: pulumi.Output[str],
        key_grants: list[pulumi.Resource],
        vault_name: pulumi.Input[str],
        workspace_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:azure:Postgres", name, None, opts)
        if spec.engine != "postgres":
            raise ValueError(f"cloud-kernel:cloud.postgres.{key}.engine: {spec.engine!r} exists only on AWS; use postgres")
        self.server_name = f"{env.prefix}-{key}"[:63].rstrip("-")
        password = self._admin_secret(name, env, key, vault_name)
        self.server = dbforpostgresql.Server(
            f"{name}-server",
            server_name=self.server_name,
            resource_group_name=env.resource_group_name,
            version=spec.version,
            sku=sku(spec),
            storage=dbforpostgresql.StorageArgs(storage_size_gb=storage_size(spec.storage_gb), auto_grow="Enabled"),
            backup=dbforpostgresql.BackupArgs(backup_retention_days=spec.backup_retention_days, geo_redundant_backup="Disabled"),
            network=dbforpostgresql.NetworkArgs(
                delegated_subnet_resource_id=subnet_id, private_dns_zone_arm_resource_id=dns_zone_id, public_network_access="Disabled"
            ),
            availability_zone=env.zone_names[0] if env.zone_names else None,
            high_availability=high_availability(spec, env.zone_names),
            auth_config=dbforpostgresql.AuthConfigArgs(active_directory_auth="Enabled", password_auth="Enabled", tenant_id=env.tenant_id),
            administrator_login=ADMIN_USERNAME,
            administrator_login_password=password,
            identity=dbforpostgresql.UserAssignedIdentityArgs(
                type="UserAssigned", user_assigned_identities=identity_id.apply(lambda i: {i: {}})
            ),
            data_encryption=dbforpostgresql.DataEncryptionArgs(
                type="AzureKeyVault", primary_key_uri=key_uri, primary_user_assigned_identity_id=identity_id
            ),
            maintenance_window=maintenance_window(spec),
            tags={**env.tags, "database": key},
            opts=env.stateful(
                self,
                depends_on=key_grants,
                # Azure owns these after creation: zones swap on failover, auto-grow enlarges storage.
                ignore_changes=[*ZONE_FIELDS, "storage.storageSizeGb"],
            ),
        )
        self._parameters(name, env)
        self._operations(name, env, spec, workspace_id)
        self.host = self.server.fully_qualified_domain_name
        self.port = pulumi.Output.from_input(PORT)
        self.admin_username = ADMIN_USERNAME
        self.register_outputs({"host": self.host, "adminSecret": self.admin_secret_ref})

    def _admin_secret(self, name: str, env: AzureEnv, key: str, vault_name: pulumi.Input[str]) -> pulumi.Output[str]:
        """A generated admin password, kept as a JSON secret in the stack's Key Vault."""
        provider = random.Provider(f"{name}-random", opts=pulumi.ResourceOptions(parent=self))
        password = random.RandomPassword(
            f"{name}-admin-password", length=40, special=False, opts=pulumi.ResourceOptions(parent=self, provider=provider)
        )
        self.admin_secret_ref = f"postgres-{key}-admin"
        self.admin_secret = keyvault.Secret(
            f"{name}-admin-secret",
            secret_name=self.admin_secret_ref,
            vault_name=vault_name,
            resource_group_name=env.resource_group_name,
            properties=keyvault.SecretPropertiesArgs(
                value=pulumi.Output.secret(
                    password.result.apply(lambda p: json.dumps({"username": ADMIN_USERNAME, "password": p}, sort_keys=True))
                ),
                content_type="application/json",
            ),
            tags={**env.tags, "database": key},
            opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["properties"]),
        )
        return pulumi.Output.secret(password.result)

    def _parameters(self, name: str, env: AzureEnv) -> None:
        previous: list[pulumi.Resource] = []
        for parameter, value in PARAMETERS.items():
            configuration = dbforpostgresql.Configuration(
                f"{name}-{parameter.replace('_', '-')}",
                configuration_name=parameter,
                server_name=self.server.name,
                resource_group_name=env.resource_group_name,
                value=value,
                source="user-override",
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            previous = [configuration]

    def _operations(self, name: str, env: AzureEnv, spec: PostgresSpec, workspace_id: pulumi.Input[str]) -> None:
        monitor.DiagnosticSetting(
            f"{name}-diagnostics",
            name="postgres-logs",
            resource_uri=self.server.id,
            workspace_id=workspace_id,
            log_analytics_destination_type="Dedicated",
            logs=[monitor.DiagnosticsLogSettingsArgs(category="PostgreSQLLogs", enabled=True)],
            opts=pulumi.ResourceOptions(parent=self),
        )
        if spec.deletion_protection:
            authorization.ManagementLockByScope(
                f"{name}-lock",
                lock_name=f"{self.server_name}-no-delete",
                scope=self.server.id,
                level="CanNotDelete",
                notes="cloud-kernel: deletionProtection is on for this database",
                opts=pulumi.ResourceOptions(parent=self),
            )
