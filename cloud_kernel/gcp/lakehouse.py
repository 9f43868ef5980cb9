"""`cloud-kernel:gcp:LakehouseBucket` and `cloud-kernel:gcp:AccessLogBucket`: GCS buckets for Iceberg warehouses.

Each lakehouse bucket: a deterministic globally-unique name, in the stack's region, uniform bucket-level
access (no ACLs), public access prevention enforced, versioning, the `lakehouse` CMEK as default key, soft
delete (`gcp.softDeleteDays`), lifecycle rules from the same neutral keys as AWS (noncurrent versions,
incomplete multipart uploads, an optional cold tier), usage logs into the stack's access-log bucket, and
no `force_destroy`: a bucket with data is never deleted by a `pulumi destroy`.

The access-log bucket is as locked down; Cloud Storage writes usage logs as the
`cloud-storage-analytics@google.com` group, which gets object-create on that bucket only. Logs expire after
`gcp.accessLogRetentionDays`.

GCS enforces TLS on its API, so there is no "deny plain HTTP" policy to write as on S3.
"""

from __future__ import annotations

import hashlib

import pulumi
import pulumi_gcp as gcp

from cloud_kernel.gcp.providers import GcpEnv
from cloud_kernel.specs import LakehouseBucketSpec

ARCHIVE_STORAGE_CLASS = "COLDLINE"  # millisecond reads: old Iceberg snapshots stay queryable
LOG_WRITER = "group:cloud-storage-analytics@google.com"


def bucket_name(project: str, stack: str, key: str, gcp_project: str, region: str) -> str:
    """`<project>-<stack>-<key>-<digest>`: readable, deterministic, globally unique via a digest of the GCP
    project and region (never random), at most 63 characters."""
    digest = hashlib.sha256(f"{gcp_project}/{region}/{project}/{stack}/{key}".encode()).hexdigest()[:8]
    stem = f"{project}-{stack}-{key}".lower()[: 63 - len(digest) - 1].rstrip("-")
    return f"{stem}-{digest}"


def rule(action: str, **condition: object) -> gcp.storage.BucketLifecycleRuleArgs:
    kind, _, storage_class = action.partition(":")
    return gcp.storage.BucketLifecycleRuleArgs(
        action=gcp.storage.BucketLifecycleRuleActionArgs(type=kind, storage_class=storage_class or None),
        condition=gcp.storage.BucketLifecycleRuleConditionArgs(**condition),
    )


def lifecycle_rules(spec: LakehouseBucketSpec) -> list[gcp.storage.BucketLifecycleRuleArgs]:
    rules = [
        rule("Delete", days_since_noncurrent_time=spec.noncurrent_version_days, with_state="ARCHIVED"),
        rule("AbortIncompleteMultipartUpload", age=spec.abort_multipart_days),
    ]
    if spec.archive_after_days is not None:
        rules.append(
            rule(
                f"SetStorageClass:{ARCHIVE_STORAGE_CLASS}",
                age=spec.archive_after_days,
                with_state="LIVE",
                matches_storage_classes=["STANDARD"],
            )
        )
    return rules


def private_bucket(
    name: str,
    env: GcpEnv,
    key: str,
    *,
    key_id: pulumi.Input[str],
    rules: list[gcp.storage.BucketLifecycleRuleArgs],
    parent: pulumi.Resource,
    depends_on: list[pulumi.Resource],
    **kwargs: object,
) -> gcp.storage.Bucket:
    """A bucket with every secure default both bucket kinds share."""
    return gcp.storage.Bucket(
        name,
        name=bucket_name(env.project, env.stack, key, env.gcp_project, env.region),
        project=env.gcp_project,
        location=env.region.upper(),
        storage_class="STANDARD",
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        versioning=gcp.storage.BucketVersioningArgs(enabled=True),
        encryption=gcp.storage.BucketEncryptionArgs(default_kms_key_name=key_id),
        lifecycle_rules=rules,
        force_destroy=False,
        **kwargs,
        opts=env.stateful(parent, depends_on=depends_on),
    )


class AccessLogBucket(pulumi.ComponentResource):
    """`cloud-kernel:gcp:AccessLogBucket`: where every lakehouse bucket writes its usage logs."""

    def __init__(
        self,
        name: str,
        env: GcpEnv,
        *,
        key_id: pulumi.Input[str],
        retention_days: int,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:gcp:AccessLogBucket", name, None, opts)
        self.bucket = private_bucket(
            f"{name}-bucket",
            env,
            "access-logs",
            key_id=key_id,
            rules=[rule("Delete", age=retention_days), rule("Delete", days_since_noncurrent_time=7, with_state="ARCHIVED")],
            parent=self,
            depends_on=depends_on,
            labels={"purpose": "storage-access-logs"},
        )
        gcp.storage.BucketIAMMember(
            f"{name}-log-writer",
            bucket=self.bucket.name,
            role="roles/storage.objectCreator",
            member=LOG_WRITER,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"bucket": self.bucket.name})


class LakehouseBucket(pulumi.ComponentResource):
    """`cloud-kernel:gcp:LakehouseBucket`: one Iceberg warehouse bucket."""

    def __init__(
        self,
        name: str,
        env: GcpEnv,
        key: str,
        spec: LakehouseBucketSpec,
        *,
        key_id: pulumi.Input[str],
        log_bucket: gcp.storage.Bucket,
        soft_delete_days: int,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:gcp:LakehouseBucket", name, None, opts)
        self.bucket = private_bucket(
            f"{name}-bucket",
            env,
            key,
            key_id=key_id,
            rules=lifecycle_rules(spec),
            parent=self,
            depends_on=depends_on,
            logging=gcp.storage.BucketLoggingArgs(log_bucket=log_bucket.name, log_object_prefix=f"{key}/"),
            soft_delete_policy=gcp.storage.BucketSoftDeletePolicyArgs(retention_duration_seconds=soft_delete_days * 86400),
            labels={"purpose": "lakehouse", "lakehouse": key},
        )
        self.name = self.bucket.name
        self.uri = self.bucket.name.apply(lambda b: f"gs://{b}")
        self.register_outputs({"bucket": self.bucket.name, "uri": self.uri})
