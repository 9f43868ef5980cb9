"""`cloud-kernel:aws:Postgres`: RDS for PostgreSQL, or an Aurora PostgreSQL cluster with `engine: aurora`.

Secure and operable by default:
- private subnets only (a DB subnet group), not publicly accessible, a security group admitting 5432 from
  the EKS cluster security group and nothing else;
- storage, Performance Insights and the master-user secret encrypted with the `databases` KMS key; the master
  password is generated and rotated by RDS in Secrets Manager (never in config, state or plan);
- TLS enforced by the parameter group (`rds.force_ssl=1`) plus useful logging, exported to log groups the
  stack creates first (KMS-encrypted, with retention: RDS would otherwise create them unencrypted);
- IAM database authentication, storage autoscaling up to `maxStorageGb` (so `allocatedStorage` is ignored
  after creation), automatic minor upgrades with the engine pinned to its major version (no perpetual diff);
- Multi-AZ with `highAvailability`; with `deletionProtection` the cloud's deletion protection and a final
  snapshot with a deterministic identifier, and `protect` in production.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from cloud_kernel import machines
from cloud_kernel.aws import names
from cloud_kernel.aws.limits import AURORA_VERSIONS
from cloud_kernel.aws.providers import AwsEnv
from cloud_kernel.specs import PostgresSpec

PORT = 5432
ADMIN_USERNAME = "ckadmin"
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
LOG_RETENTION_DAYS = 30


def parameters(spec: PostgresSpec) -> dict[str, str]:
    """Server parameters: TLS required, slow queries, connections, locks, temp files and autovacuum logged."""
    return {
        "rds.force_ssl": "1",
        "log_min_duration_statement": "1000",
        "log_connections": "1",
        "log_disconnections": "1",
        "log_lock_waits": "1",
        "log_temp_files": "10240",
        "log_autovacuum_min_duration": "10000",
        "log_statement": "ddl",
    }


def parameter_family(spec: PostgresSpec) -> str:
    return f"aurora-postgresql{spec.version}" if spec.engine == "aurora" else f"postgres{spec.version}"


def instance_class(spec: PostgresSpec) -> str:
    return machines.database_class("aws-aurora" if spec.engine == "aurora" else "aws-postgres", spec.size)


def aurora_version(spec: PostgresSpec) -> str:
    try:
        return AURORA_VERSIONS[spec.version]
    except KeyError:
        raise ValueError(f"Aurora PostgreSQL {spec.version} is not supported; use one of {', '.join(AURORA_VERSIONS)}") from None


class Postgres(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        env: AwsEnv,
        key: str,
        spec: PostgresSpec,
        *,
        vpc_id: pulumi.Input[str],
        subnet_ids: Sequence[pulumi.Input[str]],
        client_security_group_id: pulumi.Input[str],
        key_arn: pulumi.Input[str],
        logs_key_arn: pulumi.Input[str],
        performance_insights_retention_days: int = 7,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:aws:Postgres", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.identifier = names.rds_identifier(env.project, env.stack, key)
        self.spec = spec

        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets", description=f"{self.identifier}: private subnets", subnet_ids=list(subnet_ids), opts=child
        )
        security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            description=f"{self.identifier}: PostgreSQL from the EKS cluster only",
            vpc_id=vpc_id,
            revoke_rules_on_delete=True,
            tags={"Name": self.identifier},
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-cluster",
            security_group_id=security_group.id,
            description="PostgreSQL from cluster nodes and pods",
            ip_protocol="tcp",
            from_port=PORT,
            to_port=PORT,
            referenced_security_group_id=client_security_group_id,
            opts=child,
        )
        aurora = spec.engine == "aurora"
        exports = names.rds_log_exports(aurora)
        log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-logs-{export}",
                name=names.rds_log_group(self.identifier, aurora, export),
                retention_in_days=LOG_RETENTION_DAYS,
                kms_key_id=logs_key_arn,
                opts=child,
            )
            for export in exports
        ]
        params = [aws.rds.ParameterGroupParameterArgs(name=k, value=v) for k, v in sorted(parameters(spec).items())]
        final_snapshot = f"{self.identifier}-final" if spec.deletion_protection else None
        protection = dict(
            deletion_protection=spec.deletion_protection,
            skip_final_snapshot=not spec.deletion_protection,
            final_snapshot_identifier=final_snapshot,
        )
        pi = dict(
            performance_insights_enabled=True,
            performance_insights_kms_key_id=key_arn,
            performance_insights_retention_period=performance_insights_retention_days,
        )

        if not aurora:
            parameter_group = aws.rds.ParameterGroup(
                f"{name}-params",
                family=parameter_family(spec),
                description=f"{self.identifier}: TLS only, logging",
                parameters=params,
                opts=pulumi.ResourceOptions(parent=self, replace_on_changes=["family"]),
            )
            self.instance = aws.rds.Instance(
                f"{name}-instance",
                identifier=self.identifier,
                engine="postgres",
                engine_version=spec.version,  # major only: minor upgrades never show as a diff
                auto_minor_version_upgrade=True,
                allow_major_version_upgrade=False,
                instance_class=instance_class(spec),
                allocated_storage=spec.storage_gb,
                max_allocated_storage=spec.max_storage_gb,
                storage_type="gp3",
                storage_encrypted=True,
                kms_key_id=key_arn,
                username=ADMIN_USERNAME,
                manage_master_user_password=True,
                master_user_secret_kms_key_id=key_arn,
                db_subnet_group_name=subnet_group.name,
                vpc_security_group_ids=[security_group.id],
                parameter_group_name=parameter_group.name,
                port=PORT,
                publicly_accessible=False,
                multi_az=spec.high_availability,
                backup_retention_period=spec.backup_retention_days,
                backup_window=spec.backup_window,
                maintenance_window=spec.maintenance_window,
                copy_tags_to_snapshot=True,
                delete_automated_backups=not spec.deletion_protection,
                iam_database_authentication_enabled=True,
                enabled_cloudwatch_logs_exports=exports,
                ca_cert_identifier=CA_CERTIFICATE,
                apply_immediately=not env.production,
                tags={"database": key},
                **protection,
                **pi,
                opts=env.stateful(
                    self,
                    depends_on=log_groups,
                    # Storage autoscaling grows the volume; Pulumi must not try to shrink it back.
                    ignore_changes=["allocatedStorage"],
                ),
            )
            self.host = self.instance.address
            self.port = self.instance.port
            self.admin_secret_arn = self.instance.master_user_secrets.apply(lambda s: s[0].secret_arn if s else "")
            self.resources: list[pulumi.Resource] = [self.instance]
        else:
            parameter_group = aws.rds.ClusterParameterGroup(
                f"{name}-params",
                family=parameter_family(spec),
                description=f"{self.identifier}: TLS only, logging",
                parameters=[aws.rds.ClusterParameterGroupParameterArgs(name=p.name, value=p.value) for p in params],
                opts=pulumi.ResourceOptions(parent=self, replace_on_changes=["family"]),
            )
            self.cluster = aws.rds.Cluster(
                f"{name}-cluster",
                cluster_identifier=self.identifier,
                engine="aurora-postgresql",
                engine_version=aurora_version(spec),
                allow_major_version_upgrade=False,
                master_username=ADMIN_USERNAME,
                manage_master_user_password=True,
                master_user_secret_kms_key_id=key_arn,
                storage_encrypted=True,
                kms_key_id=key_arn,
                db_subnet_group_name=subnet_group.name,
                vpc_security_group_ids=[security_group.id],
                db_cluster_parameter_group_name=parameter_group.name,
                port=PORT,
                backup_retention_period=spec.backup_retention_days,
                preferred_backup_window=spec.backup_window,
                preferred_maintenance_window=spec.maintenance_window,
                copy_tags_to_snapshot=True,
                delete_automated_backups=not spec.deletion_protection,
                iam_database_authentication_enabled=True,
                enabled_cloudwatch_logs_exports=exports,
                apply_immediately=not env.production,
                tags={"database": key},
                **protection,
                opts=env.stateful(
                    self,
                    depends_on=log_groups,
                    # Auto minor upgrades move the version; only a major change in config should act.
                    ignore_changes=["engineVersion"],
                ),
            )
            members = names.aurora_members(spec.high_availability)
            self.instances = [
                aws.rds.ClusterInstance(
                    f"{name}-instance-{i + 1}",
                    identifier=f"{self.identifier}-{i + 1}",
                    cluster_identifier=self.cluster.id,
                    engine="aurora-postgresql",
                    instance_class=instance_class(spec),
                    db_subnet_group_name=subnet_group.name,
                    publicly_accessible=False,
                    auto_minor_version_upgrade=True,
                    promotion_tier=i,
                    ca_cert_identifier=CA_CERTIFICATE,
                    preferred_maintenance_window=spec.maintenance_window,
                    copy_tags_to_snapshot=True,
                    apply_immediately=not env.production,
                    tags={"database": key},
                    **pi,
                    opts=env.stateful(self, ignore_changes=["engineVersion"]),
                )
                for i in range(members)
            ]
            self.host = self.cluster.endpoint
            self.port = self.cluster.port
            self.admin_secret_arn = self.cluster.master_user_secrets.apply(lambda s: s[0].secret_arn if s else "")
            self.resources = [self.cluster, *self.instances]
        self.admin_username = ADMIN_USERNAME
        self.admin_secret_ref = self.admin_secret_arn
        self.register_outputs({"host": self.host, "port": self.port, "adminSecretArn": self.admin_secret_arn})
