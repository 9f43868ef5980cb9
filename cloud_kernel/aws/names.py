"""Every physical name the AWS backend gives a resource, derived once from the project, stack and config.

Pure (no Pulumi import): `kernelctl config validate` lists these names and checks each against the AWS table
(`cloud_kernel/aws/limits.py`) before any resource exists, and the backend's components build their names
with the same functions. Autonamed resources (IAM roles, node groups, ...) take their logical names, which
config keys bound; the plan's name checker covers them.
"""

from __future__ import annotations

import hashlib
import re

from cloud_kernel.limits import PhysicalName

ACCESS_LOG_BUCKET = "access-logs"  # the key of the S3 server-access-log bucket, beside the lakehouse keys
# One KMS key per purpose (see cloud_kernel/aws/keys.py for what each protects).
KEY_PURPOSES: dict[str, str] = {
    "cluster": "EKS secrets envelope encryption",
    "volumes": "EBS and EFS volumes",
    "lakehouse": "Lakehouse S3 buckets",
    "databases": "RDS storage, Performance Insights and master-user secrets",
    "logs": "CloudWatch log groups",
}
DEPLOYER_ADMIN = "deployer"  # the access entry of the IAM role running Pulumi (aws.grantDeployerAdmin)
# Placeholders for facts only the cloud knows; they never change a name's length or alphabet.
SAMPLE_ACCOUNT, SAMPLE_REGION = "000000000000", "us-east-1"


def prefix(project: str, stack: str) -> str:
    """Deterministic prefix of physical names, and the EKS cluster name: `<project>-<stack>`."""
    return f"{project}-{stack}"


def bucket_name(project: str, stack: str, key: str, account_id: str, region: str) -> str:
    """`<project>-<stack>-<key>-<digest>`: readable, deterministic, globally unique via a digest of the
    account and region (never random), at most 63 characters."""
    digest = hashlib.sha256(f"{account_id}/{region}/{project}/{stack}/{key}".encode()).hexdigest()[:8]
    stem = f"{project}-{stack}-{key}".lower()[: 63 - len(digest) - 1].rstrip("-")
    return f"{stem}-{digest}"


def rds_identifier(project: str, stack: str, key: str) -> str:
    """The RDS instance or Aurora cluster identifier of postgres `key` (validated, never truncated)."""
    return f"{prefix(project, stack)}-{key}"


def kms_alias(project: str, stack: str, purpose: str) -> str:
    return f"alias/{prefix(project, stack)}/{purpose}"


def principal_key(arn: str) -> str:
    """A stable, readable resource-name suffix for an IAM principal ARN (its last path segment)."""
    tail = arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower()
    return re.sub(r"[^a-z0-9-]+", "-", tail).strip("-") or "principal"


def cluster_log_group(project: str, stack: str) -> str:
    return f"/aws/eks/{prefix(project, stack)}/cluster"


def flow_log_group(project: str, stack: str) -> str:
    return f"/aws/vpc/{prefix(project, stack)}/flow-logs"


def rds_log_group(identifier: str, aurora: bool, export: str) -> str:
    return f"/aws/rds/{'cluster' if aurora else 'instance'}/{identifier}/{export}"


def rds_log_exports(aurora: bool) -> list[str]:
    return ["postgresql"] if aurora else ["postgresql", "upgrade"]


def aurora_members(high_availability: bool) -> int:
    return 2 if high_availability else 1


def physical_names(project: str, stack: str, spec) -> list[PhysicalName]:  # spec: CloudKernelSpec
    """Every name the AWS backend will give a resource of this stack, with the config key it comes from."""
    base = prefix(project, stack)
    names = [
        PhysicalName("eks-cluster", base, "stack"),
        PhysicalName("tag-value", stack, "stack"),
        PhysicalName("log-group", cluster_log_group(project, stack), "stack"),
        PhysicalName("log-group", flow_log_group(project, stack), "stack"),
        *(PhysicalName("kms-alias", kms_alias(project, stack, p), "stack") for p in KEY_PURPOSES),
    ]
    if spec.lakehouse:
        access_logs = _bucket(project, stack, ACCESS_LOG_BUCKET)
        names.append(PhysicalName("s3-bucket", access_logs, "stack", "the S3 server-access-log bucket"))
    names += [PhysicalName("s3-bucket", _bucket(project, stack, key), f"lakehouse.{key}") for key in spec.lakehouse]
    for key, db in spec.postgres.items():
        names += _postgres_names(project, stack, key, db)
    return names


def _bucket(project: str, stack: str, key: str) -> str:
    return bucket_name(project, stack, key, SAMPLE_ACCOUNT, SAMPLE_REGION)


def _postgres_names(project: str, stack: str, key: str, db) -> list[PhysicalName]:
    path = f"postgres.{key}"
    identifier = rds_identifier(project, stack, key)
    aurora = db.engine == "aurora"
    names = [PhysicalName("rds-identifier", identifier, path)]
    names += [PhysicalName("log-group", rds_log_group(identifier, aurora, e), path) for e in rds_log_exports(aurora)]
    if aurora:
        members = aurora_members(db.high_availability)
        names += [PhysicalName("rds-identifier", f"{identifier}-{i + 1}", path) for i in range(members)]
    if db.deletion_protection:
        names.append(PhysicalName("rds-snapshot", f"{identifier}-final", path))
    return names
