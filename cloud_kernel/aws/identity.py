"""Workload identities: IAM Roles for Service Accounts (IRSA).

Each role trusts exactly one Kubernetes service account of this cluster: the OIDC provider as federated
principal, `sub` = `system:serviceaccount:<namespace>:<name>` and `aud` = `sts.amazonaws.com` (StringEquals,
no wildcards). Inline policies name the buckets, object prefix, secret-name prefix and KMS keys the request
asks for, nothing else.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from cloud_kernel.aws.capabilities import capability_statements
from cloud_kernel.aws.providers import AwsEnv
from cloud_kernel.specs import IdentityRequest

ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"

READ_OBJECT_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"]
WRITE_OBJECT_ACTIONS = ["s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
KMS_READ = ["kms:Decrypt", "kms:DescribeKey"]
KMS_WRITE = ["kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncrypt*"]


def issuer_host(issuer: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.from_input(issuer).apply(lambda url: url.removeprefix("https://"))


def trust_statements(
    oidc_provider_arn: pulumi.Input[str], issuer: pulumi.Input[str], namespace: str, service_account: str
) -> list[dict[str, Any]]:
    host = issuer_host(issuer)
    return [
        {
            "sid": "ServiceAccount",
            "effect": "Allow",
            "actions": ["sts:AssumeRoleWithWebIdentity"],
            "principals": [{"type": "Federated", "identifiers": [oidc_provider_arn]}],
            "conditions": [
                {
                    "test": "StringEquals",
                    "variable": host.apply(lambda h: f"{h}:sub"),
                    "values": [f"system:serviceaccount:{namespace}:{service_account}"],
                },
                {"test": "StringEquals", "variable": host.apply(lambda h: f"{h}:aud"), "values": ["sts.amazonaws.com"]},
            ],
        }
    ]


def irsa_role(
    name: str,
    env: AwsEnv,
    *,
    oidc_provider_arn: pulumi.Input[str],
    issuer: pulumi.Input[str],
    namespace: str,
    service_account: str,
    description: str,
    parent: pulumi.Resource,
    managed_policies: list[str] = (),  # type: ignore[assignment]
    inline_policy: list[dict[str, Any]] | None = None,
) -> aws.iam.Role:
    """An IRSA role plus its managed-policy attachments and (optional) inline policy, children of `parent`."""
    role = aws.iam.Role(
        name,
        description=description,
        assume_role_policy=env.policy_document(trust_statements(oidc_provider_arn, issuer, namespace, service_account), parent),
        max_session_duration=3600,
        tags={"kubernetes-namespace": namespace, "kubernetes-service-account": service_account},
        opts=pulumi.ResourceOptions(parent=parent),
    )
    for policy in managed_policies:
        aws.iam.RolePolicyAttachment(
            f"{name}-{policy}",
            role=role.name,
            policy_arn=env.managed_policy(policy),
            opts=pulumi.ResourceOptions(parent=parent),
        )
    if inline_policy:
        aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.name,
            policy=env.policy_document(inline_policy, parent),
            opts=pulumi.ResourceOptions(parent=parent),
        )
    return role


def _object_prefix(prefix: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/*" if prefix else "*"


def access_statements(
    env: AwsEnv,
    request: IdentityRequest,
    *,
    bucket_arns: dict[str, pulumi.Output[str]],
    lakehouse_key_arn: pulumi.Output[str] | None,
    database_secret_arns: list[pulumi.Output[str]] = (),
    database_key_arn: pulumi.Output[str] | None = None,
) -> list[dict[str, Any]]:
    """Least-privilege statements for one identity request (empty when it asks for nothing)."""
    statements: list[dict[str, Any]] = []
    missing = sorted(set(request.buckets) - set(bucket_arns))
    if missing:
        raise ValueError(
            f"identity {request.name!r} asks for lakehouse bucket(s) {', '.join(missing)} that "
            f"cloud-kernel:cloud.lakehouse does not define"
        )
    writes = False
    for key, access in sorted(request.buckets.items()):
        arn = bucket_arns[key]
        objects = arn.apply(lambda a: f"{a}/{_object_prefix(request.prefix)}")
        list_statement: dict[str, Any] = {
            "sid": f"List{_sid(key)}",
            "effect": "Allow",
            "actions": ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
            "resources": [arn],
        }
        if request.prefix.strip("/"):
            list_statement["conditions"] = [
                {"test": "StringLike", "variable": "s3:prefix", "values": [request.prefix.strip("/") + "/*", request.prefix.strip("/") + "/"]}
            ]
            # ListBucketMultipartUploads and GetBucketLocation ignore s3:prefix; keep them outside the condition.
            list_statement["actions"] = ["s3:ListBucket"]
            statements.append(
                {
                    "sid": f"Locate{_sid(key)}",
                    "effect": "Allow",
                    "actions": ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
                    "resources": [arn],
                }
            )
        statements.append(list_statement)
        actions = READ_OBJECT_ACTIONS + (WRITE_OBJECT_ACTIONS if access == "readwrite" else [])
        writes = writes or access == "readwrite"
        statements.append({"sid": f"Objects{_sid(key)}", "effect": "Allow", "actions": actions, "resources": [objects]})
    if request.buckets and lakehouse_key_arn is not None:
        statements.append(
            {
                "sid": "LakehouseKey",
                "effect": "Allow",
                "actions": KMS_READ + (KMS_WRITE if writes else []),
                "resources": [lakehouse_key_arn],
                "conditions": [{"test": "StringEquals", "variable": "kms:ViaService", "values": [f"s3.{env.region}.amazonaws.com"]}],
            }
        )
    if request.secrets_read:
        statements.append(
            {
                "sid": "ReadSecrets",
                "effect": "Allow",
                "actions": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds"],
                "resources": [env.arn("secretsmanager", f"secret:{secret_prefix(env, request)}*")],
            }
        )
    if request.database_admin_secrets and database_secret_arns:
        # RDS names its managed secrets `rds!...` and encrypts them with the databases key: grant exactly those.
        statements.append(
            {
                "sid": "ReadDatabaseAdminSecrets",
                "effect": "Allow",
                "actions": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "resources": list(database_secret_arns),
            }
        )
        if database_key_arn is not None:
            statements.append(
                {
                    "sid": "DecryptDatabaseAdminSecrets",
                    "effect": "Allow",
                    "actions": ["kms:Decrypt"],
                    "resources": [database_key_arn],
                    "conditions": [
                        {"test": "StringEquals", "variable": "kms:ViaService", "values": [f"secretsmanager.{env.region}.amazonaws.com"]}
                    ],
                }
            )
    return statements + capability_statements(env, list(request.capabilities), request.dns_zone)


def secret_prefix(env: AwsEnv, request: IdentityRequest) -> str:
    """The secret-name prefix a request may read; with none given, the stack's own namespace, never all secrets."""
    return request.secrets_prefix or f"{env.project}/{env.stack}/"


def _sid(key: str) -> str:
    return "".join(part.capitalize() for part in key.replace("_", "-").split("-"))


class WorkloadIdentity(pulumi.ComponentResource):
    """`cloud-kernel:aws:WorkloadIdentity`: one IRSA role for one Kubernetes service account."""

    def __init__(
        self,
        name: str,
        env: AwsEnv,
        request: IdentityRequest,
        *,
        oidc_provider_arn: pulumi.Input[str],
        issuer: pulumi.Input[str],
        bucket_arns: dict[str, pulumi.Output[str]],
        lakehouse_key_arn: pulumi.Output[str] | None,
        database_secret_arns: list[pulumi.Output[str]] = (),
        database_key_arn: pulumi.Output[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:aws:WorkloadIdentity", name, None, opts)
        self.request = request
        self.role = irsa_role(
            f"{name}-role",
            env,
            oidc_provider_arn=oidc_provider_arn,
            issuer=issuer,
            namespace=request.namespace,
            service_account=request.service_account,
            description=f"{env.prefix}: workload identity {request.name} ({request.namespace}/{request.service_account})",
            parent=self,
            inline_policy=access_statements(
                env,
                request,
                bucket_arns=bucket_arns,
                lakehouse_key_arn=lakehouse_key_arn,
                database_secret_arns=database_secret_arns,
                database_key_arn=database_key_arn,
            )
            or None,
        )
        self.arn = self.principal = self.role.arn
        self.annotations = self.role.arn.apply(lambda arn: {ROLE_ANNOTATION: arn})
        self.register_outputs({"roleArn": self.role.arn})
