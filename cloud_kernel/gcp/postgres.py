"""`cloud-kernel:gcp:Postgres`: Cloud SQL for PostgreSQL, one instance per config entry.

Secure and operable by default (the bar of fabric's `cloudsql-instance`):
- private IP only, on the stack's private-service-access range; no public IPv4, no authorized networks;
- TLS only (`ssl_mode: ENCRYPTED_ONLY`: clients need TLS, not client certificates);
- storage and backups encrypted with the `databases` CMEK (the Cloud SQL service agent is granted first);
- IAM database authentication (`cloudsql.iam_authentication=on`) and useful logging flags; Query Insights
  without client addresses;
- automated backups with point-in-time recovery, `backupRetentionDays` retained, in the configured window;
  a maintenance window on the stable track;
- disk autoresize up to `maxStorageGb` (so the disk size is Cloud SQL's after creation);
- `REGIONAL` availability with `highAvailability`, `ZONAL` otherwise; with `deletionProtection` both the API's
  deletion protection and Pulumi's, and `protect` in production.

The admin (`ckadmin`) password is generated (pulumi_random, a secret Output) and stored in Secret Manager as
`{"username", "password"}` (replicated in the region only, encrypted with the `databases` CMEK), where
External Secrets reads it; it never appears in config, logs or the plan.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

from cloud_kernel import machines
from cloud_kernel.gcp.providers import GcpEnv
from cloud_kernel.specs import PostgresSpec

PORT = 5432
ADMIN_USERNAME = "ckadmin"
DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
TRANSACTION_LOG_DAYS = 7  # Cloud SQL keeps at most 7 days of logs for point-in-time recovery
FLAGS = {
    "cloudsql.iam_authentication": "on",
    "log_min_duration_statement": "1000",
    "log_connections": "on",
    "log_disconnections": "on",
    "log_lock_waits": "on",
    "log_temp_files": "10240",
    "log_autovacuum_min_duration": "10000",
    "log_statement": "ddl",
}


def maintenance_window(spec: PostgresSpec) -> gcp.sql.DatabaseInstanceSettingsMaintenanceWindowArgs:
    day, hour, _ = spec.maintenance_window.split("-")[0].split(":")
    return gcp.sql.DatabaseInstanceSettingsMaintenanceWindowArgs(day=DAYS[day], hour=int(hour), update_track="stable")


def backup_configuration(spec: PostgresSpec) -> gcp.sql.DatabaseInstanceSettingsBackupConfigurationArgs:
    return gcp.sql.DatabaseInstanceSettingsBackupConfigurationArgs(
        enabled=True,
        start_time=spec.backup_window.split("-")[0],
        point_in_time_recovery_enabled=True,
        transaction_log_retention_days=min(TRANSACTION_LOG_DAYS, spec.backup_retention_days),
        backup_retention_settings=gcp.sql.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs(
            retained_backups=spec.backup_retention_days, retention_unit="COUNT"
        ),
    )


def settings(spec: PostgresSpec, key: str, *, network: pulumi.Input[str], allocated_range: pulumi.Input[str]) -> gcp.sql.DatabaseInstanceSettingsArgs:
    return gcp.sql.DatabaseInstanceSettingsArgs(
        tier=machines.database_class("gcp", spec.size),
        edition="ENTERPRISE",
        availability_type="REGIONAL" if spec.high_availability else "ZONAL",
        disk_type="PD_SSD",
        disk_size=spec.storage_gb,
        disk_autoresize=True,
        disk_autoresize_limit=spec.max_storage_gb,
        deletion_protection_enabled=spec.deletion_protection,
        ip_configuration=gcp.sql.DatabaseInstanceSettingsIpConfigurationArgs(
            ipv4_enabled=False,
            private_network=network,
            allocated_ip_range=allocated_range,
            ssl_mode="ENCRYPTED_ONLY",
            enable_private_path_for_google_cloud_services=True,
        ),
        backup_configuration=backup_configuration(spec),
        database_flags=[gcp.sql.DatabaseInstanceSettingsDatabaseFlagArgs(name=k, value=v) for k, v in sorted(FLAGS.items())],
        insights_config=gcp.sql.DatabaseInstanceSettingsInsightsConfigArgs(
            query_insights_enabled=True, query_string_length=1024, record_application_tags=True, record_client_address=False
        ),
        maintenance_window=maintenance_window(spec),
        user_labels={"database": key},
    )


class Postgres(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        env: GcpEnv,
        key: str,
        spec: PostgresSpec,
        *,
        network: pulumi.Input[str],
        allocated_range: pulumi.Input[str],
        key_id: pulumi.Input[str],
        random_provider: random.Provider,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:gcp:Postgres", name, None, opts)
        self.identifier = f"{env.prefix}-{key}"[:80].rstrip("-")
        self.instance = gcp.sql.DatabaseInstance(
            f"{name}-instance",
            name=self.identifier,
            project=env.gcp_project,
            region=env.region,
            database_version=f"POSTGRES_{spec.version}",
            encryption_key_name=key_id,
            deletion_protection=spec.deletion_protection,
            settings=settings(spec, key, network=network, allocated_range=allocated_range),
            opts=env.stateful(
                self,
                depends_on=depends_on,
                # Autoresize grows the disk; Pulumi must not try to shrink it back.
                ignore_changes=["settings.diskSize"],
            ),
        )
        password = random.RandomPassword(
            f"{name}-admin-password",
            length=40,
            special=False,
            opts=pulumi.ResourceOptions(parent=self, provider=random_provider),
        )
        gcp.sql.User(
            f"{name}-admin",
            name=ADMIN_USERNAME,
            instance=self.instance.name,
            project=env.gcp_project,
            type="BUILT_IN",
            password=password.result,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.admin_secret = self._admin_secret(name, env, key, key_id, password.result, depends_on)
        self.host = self.instance.private_ip_address
        self.port = pulumi.Output.from_input(PORT)
        self.admin_username = ADMIN_USERNAME
        self.admin_secret_ref = self.admin_secret.secret_id
        self.register_outputs({"host": self.host, "connectionName": self.instance.connection_name, "adminSecret": self.admin_secret_ref})

    def _admin_secret(
        self,
        name: str,
        env: GcpEnv,
        key: str,
        key_id: pulumi.Input[str],
        password: pulumi.Output[str],
        depends_on: list[pulumi.Resource],
    ) -> gcp.secretmanager.Secret:
        secret = gcp.secretmanager.Secret(
            f"{name}-admin-secret",
            secret_id=f"{env.prefix}-postgres-{key}-admin",
            project=env.gcp_project,
            replication=gcp.secretmanager.SecretReplicationArgs(
                user_managed=gcp.secretmanager.SecretReplicationUserManagedArgs(
                    replicas=[
                        gcp.secretmanager.SecretReplicationUserManagedReplicaArgs(
                            location=env.region,
                            customer_managed_encryption=gcp.secretmanager.SecretReplicationUserManagedReplicaCustomerManagedEncryptionArgs(
                                kms_key_name=key_id
                            ),
                        )
                    ]
                )
            ),
            labels={"database": key},
            # Encrypted with the databases key: the Secret Manager agent's grant comes first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )
        gcp.secretmanager.SecretVersion(
            f"{name}-admin-secret-version",
            secret=secret.id,
            secret_data=pulumi.Output.secret(
                password.apply(lambda p: json.dumps({"username": ADMIN_USERNAME, "password": p}, sort_keys=True))
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return secret
