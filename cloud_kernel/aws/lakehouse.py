"""`cloud-kernel:aws:LakehouseBucket` and `cloud-kernel:aws:AccessLogBucket`: S3 buckets for Iceberg warehouses.

Each lakehouse bucket: deterministic globally-unique name, versioning, SSE-KMS with the `lakehouse` key and
S3 bucket keys (SSE-C uploads blocked), all four public access blocks, BucketOwnerEnforced (ACLs off), a
policy that denies plain HTTP and uploads that ask for another encryption or key, lifecycle rules
(noncurrent versions, incomplete multipart uploads, optional archive tier) and server access logs into the
stack's access-log bucket. Uses the v7 split resources (`aws.s3.Bucket` + `BucketVersioning`, ...), not the
deprecated inline arguments or `*V2` aliases.

The access-log bucket is encrypted with SSE-S3: S3 server access logging cannot deliver into an SSE-KMS
bucket. It is otherwise as locked down (private, TLS-only, owner-enforced) and expires logs after
`aws.accessLogRetentionDays`.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from cloud_kernel.aws.names import ACCESS_LOG_BUCKET, bucket_name
from cloud_kernel.aws.providers import AwsEnv
from cloud_kernel.specs import LakehouseBucketSpec

ARCHIVE_STORAGE_CLASS = "GLACIER_IR"  # millisecond reads: old Iceberg snapshots stay queryable


def tls_only_statement(bucket_arn: pulumi.Input[str]) -> dict[str, Any]:
    objects = pulumi.Output.from_input(bucket_arn).apply(lambda a: f"{a}/*")
    return {
        "sid": "DenyInsecureTransport",
        "effect": "Deny",
        "principals": [{"type": "*", "identifiers": ["*"]}],
        "actions": ["s3:*"],
        "resources": [bucket_arn, objects],
        "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
    }


def lakehouse_policy_statements(bucket_arn: pulumi.Input[str], key_arn: pulumi.Input[str]) -> list[dict[str, Any]]:
    objects = pulumi.Output.from_input(bucket_arn).apply(lambda a: f"{a}/*")
    everyone = [{"type": "*", "identifiers": ["*"]}]
    return [
        tls_only_statement(bucket_arn),
        {
            # Uploads without an encryption header get the default (SSE-KMS, our key); any other choice is refused.
            "sid": "DenyOtherEncryption",
            "effect": "Deny",
            "principals": everyone,
            "actions": ["s3:PutObject"],
            "resources": [objects],
            "conditions": [{"test": "StringNotEqualsIfExists", "variable": "s3:x-amz-server-side-encryption", "values": ["aws:kms"]}],
        },
        {
            "sid": "DenyOtherKmsKeys",
            "effect": "Deny",
            "principals": everyone,
            "actions": ["s3:PutObject"],
            "resources": [objects],
            "conditions": [
                {"test": "StringNotEqualsIfExists", "variable": "s3:x-amz-server-side-encryption-aws-kms-key-id", "values": [key_arn]}
            ],
        },
    ]


def _private(name: str, bucket: aws.s3.Bucket, parent: pulumi.Resource) -> aws.s3.BucketPublicAccessBlock:
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership",
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )


class AccessLogBucket(pulumi.ComponentResource):
    """`cloud-kernel:aws:AccessLogBucket`: where every lakehouse bucket writes its server access logs."""

    def __init__(self, name: str, env: AwsEnv, *, retention_days: int, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:aws:AccessLogBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket=env.account_id.apply(lambda account: bucket_name(env.project, env.stack, ACCESS_LOG_BUCKET, account, env.region)),
            force_destroy=not env.production,
            tags={"purpose": "s3-access-logs"},
            opts=env.stateful(self),
        )
        block = _private(name, self.bucket, self)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    ),
                    blocked_encryption_types=["SSE-C"],
                )
            ],
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=retention_days),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(noncurrent_days=7),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=1
                    ),
                )
            ],
            opts=child,
        )
        objects = self.bucket.arn.apply(lambda a: f"{a}/*")
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=env.policy_document(
                [
                    tls_only_statement(self.bucket.arn),
                    {
                        "sid": "S3ServerAccessLogs",
                        "effect": "Allow",
                        "principals": [{"type": "Service", "identifiers": ["logging.s3.amazonaws.com"]}],
                        "actions": ["s3:PutObject"],
                        "resources": [objects],
                        "conditions": [
                            {"test": "StringEquals", "variable": "aws:SourceAccount", "values": [env.account_id]},
                            {
                                "test": "ArnLike",
                                "variable": "aws:SourceArn",
                                "values": [env.partition.apply(lambda p: f"arn:{p}:s3:::{env.project}-{env.stack}-*")],
                            },
                        ],
                    },
                ],
                self,
            ),
            # Public access blocks first: a policy put before them may race S3's public-policy check.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]),
        )
        self.register_outputs({"bucket": self.bucket.bucket})


class LakehouseBucket(pulumi.ComponentResource):
    """`cloud-kernel:aws:LakehouseBucket`: one Iceberg warehouse bucket."""

    def __init__(
        self,
        name: str,
        env: AwsEnv,
        key: str,
        spec: LakehouseBucketSpec,
        *,
        key_arn: pulumi.Output[str],
        log_bucket: aws.s3.Bucket,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:aws:LakehouseBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket=env.account_id.apply(lambda account: bucket_name(env.project, env.stack, key, account, env.region)),
            force_destroy=not env.production,  # dev teardown must not fail on a non-empty bucket
            tags={"purpose": "lakehouse", "lakehouse": key},
            opts=env.stateful(self),
        )
        block = _private(name, self.bucket, self)
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=key_arn
                    ),
                    bucket_key_enabled=True,
                    blocked_encryption_types=["SSE-C"],
                )
            ],
            opts=child,
        )
        rules = [
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-noncurrent-versions",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=spec.noncurrent_version_days
                ),
            ),
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="abort-incomplete-multipart-uploads",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=spec.abort_multipart_days
                ),
            ),
        ]
        if spec.archive_after_days is not None:
            rules.append(
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="archive-current-objects",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    transitions=[
                        aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                            days=spec.archive_after_days, storage_class=ARCHIVE_STORAGE_CLASS
                        )
                    ],
                )
            )
        aws.s3.BucketLifecycleConfiguration(f"{name}-lifecycle", bucket=self.bucket.id, rules=rules, opts=child)
        aws.s3.BucketLogging(
            f"{name}-logging",
            bucket=self.bucket.id,
            target_bucket=log_bucket.id,
            target_prefix=f"{key}/",
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=env.policy_document(lakehouse_policy_statements(self.bucket.arn, key_arn), self),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]),
        )
        self.arn = self.bucket.arn
        self.name = self.bucket.bucket
        self.uri = self.bucket.bucket.apply(lambda b: f"s3://{b}")
        self.register_outputs({"bucket": self.bucket.bucket, "uri": self.uri})
