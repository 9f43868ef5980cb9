"""KMS customer keys, one per purpose, with rotation, aliases and key policies that name their users.

Purposes (one key each, so revoking or auditing one use never touches another):
- `cluster`: envelope encryption of Kubernetes Secrets in etcd (EKS).
- `volumes`: EBS root and data volumes and the EFS file system.
- `lakehouse`: SSE-KMS of the lakehouse buckets (with S3 bucket keys, so KMS calls stay cheap).
- `databases`: RDS/Aurora storage, Performance Insights and the Secrets Manager master-user secrets.
- `logs`: CloudWatch log groups (VPC flow logs, EKS control plane, Postgres logs).

Every key policy starts with the account root statement: it does not grant anyone access by itself, it lets
IAM policies in this account grant use of the key (the IRSA roles and the cluster role get theirs that way).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from cloud_kernel.aws.names import KEY_PURPOSES, kms_alias
from cloud_kernel.aws.providers import AwsEnv

KEY_USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]


def log_group_patterns(env: AwsEnv) -> list[str]:
    """The only log groups the logs key may encrypt: those this stack creates."""
    return [
        f"/aws/eks/{env.cluster_name}/*",
        f"/aws/vpc/{env.prefix}/*",
        f"/aws/rds/instance/{env.prefix}-*",
        f"/aws/rds/cluster/{env.prefix}-*",
    ]


def key_policy_statements(env: AwsEnv, purpose: str) -> list[dict[str, Any]]:
    root = env.arn("iam", "root", region=False)
    statements: list[dict[str, Any]] = [
        {
            "sid": "AccountAdministration",
            "effect": "Allow",
            "principals": [{"type": "AWS", "identifiers": [root]}],
            "actions": ["kms:*"],
            "resources": ["*"],
        }
    ]
    if purpose == "logs":
        statements.append(
            {
                "sid": "CloudWatchLogsForThisStack",
                "effect": "Allow",
                "principals": [{"type": "Service", "identifiers": [f"logs.{env.region}.amazonaws.com"]}],
                "actions": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "resources": ["*"],
                "conditions": [
                    {
                        "test": "ArnLike",
                        "variable": "kms:EncryptionContext:aws:logs:arn",
                        "values": [env.arn("logs", f"log-group:{p}") for p in log_group_patterns(env)],
                    }
                ],
            }
        )
    if purpose == "volumes":
        # Managed node groups launch instances through EC2 Auto Scaling: its service-linked role encrypts the
        # root volumes, so it must be named in the key policy (IAM policies cannot be attached to it).
        autoscaling = env.arn(
            "iam", "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", region=False
        )
        statements += [
            {
                "sid": "AutoScalingUseOfTheKey",
                "effect": "Allow",
                "principals": [{"type": "AWS", "identifiers": [autoscaling]}],
                "actions": KEY_USE_ACTIONS,
                "resources": ["*"],
            },
            {
                "sid": "AutoScalingGrantsForAwsResources",
                "effect": "Allow",
                "principals": [{"type": "AWS", "identifiers": [autoscaling]}],
                "actions": ["kms:CreateGrant"],
                "resources": ["*"],
                "conditions": [{"test": "Bool", "variable": "kms:GrantIsForAWSResource", "values": ["true"]}],
            },
        ]
    return statements


class Keys(pulumi.ComponentResource):
    """`cloud-kernel:aws:Keys`: one rotating customer key per purpose, with an alias."""

    keys: dict[str, aws.kms.Key]

    def __init__(self, name: str, env: AwsEnv, *, deletion_window_days: int = 30, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:aws:Keys", name, None, opts)
        self.keys = {}
        for purpose, description in KEY_PURPOSES.items():
            key = aws.kms.Key(
                f"{name}-{purpose}",
                description=f"{env.prefix}: {description}",
                enable_key_rotation=True,
                rotation_period_in_days=365,
                deletion_window_in_days=deletion_window_days,
                key_usage="ENCRYPT_DECRYPT",
                customer_master_key_spec="SYMMETRIC_DEFAULT",
                policy=env.policy_document(key_policy_statements(env, purpose), self),
                tags={"purpose": purpose},
                opts=env.stateful(self),
            )
            aws.kms.Alias(
                f"{name}-{purpose}-alias",
                name=kms_alias(env.project, env.stack, purpose),
                target_key_id=key.key_id,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.keys[purpose] = key
        self.register_outputs({purpose: key.arn for purpose, key in self.keys.items()})

    def arn(self, purpose: str) -> pulumi.Output[str]:
        return self.keys[purpose].arn
