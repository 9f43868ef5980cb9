"""Workload identities: one Google service account per request, bound through GKE Workload Identity.

Each service account trusts exactly one Kubernetes service account of this cluster's workload pool
(`roles/iam.workloadIdentityUser` for `serviceAccount:<project>.svc.id.goog[<namespace>/<name>]`), and is
granted only what the request asks for:
- lakehouse buckets: `roles/storage.objectViewer` (read) or `roles/storage.objectUser` (readwrite) on that
  bucket, limited by an IAM condition to the request's object prefix (and listing to that prefix);
- the secret store: `roles/secretmanager.secretAccessor` on the project, limited by a condition to secrets
  whose id starts with the request's prefix (`/` becomes `_` in GCP secret ids, see `secret_id`);
- the Postgres admin credentials: `secretAccessor` on exactly those secrets.
The KSA annotation `iam.gke.io/gcp-service-account: <email>` goes into the contract.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from cloud_kernel.gcp.providers import GcpEnv
from cloud_kernel.specs import IdentityRequest

SERVICE_ACCOUNT_ANNOTATION = "iam.gke.io/gcp-service-account"
BUCKET_ROLES = {"read": "roles/storage.objectViewer", "readwrite": "roles/storage.objectUser"}
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"
# GCP secret ids allow `[A-Za-z0-9_-]` only: the neutral `/`-separated names map `/` to `_`.
SECRET_NAME_SEPARATOR = "_"


def secret_id(path: str) -> str:
    """The GCP secret id of a neutral secret name such as `cloud-kernel/dev/workspaces/retail/x`."""
    return path.replace("/", SECRET_NAME_SEPARATOR)


def secret_prefix(env: GcpEnv, request: IdentityRequest) -> str:
    """The secret-id prefix a request may read; with none given, the stack's own prefix, never all secrets."""
    return secret_id(request.secrets_prefix or f"{env.project}/{env.stack}/")


def object_conditions(bucket: str, prefix: str) -> tuple[str, str] | None:
    """(objects, listing) IAM condition expressions for `prefix`, or None when the whole bucket is granted."""
    prefix = prefix.strip("/")
    if not prefix:
        return None
    objects = f'resource.name.startsWith("projects/_/buckets/{bucket}/objects/{prefix}/")'
    listing = (
        f'resource.type == "storage.googleapis.com/Bucket" && '
        f'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("{prefix}/")'
    )
    return objects, listing


class WorkloadIdentity(pulumi.ComponentResource):
    """`cloud-kernel:gcp:WorkloadIdentity`: one Google service account for one Kubernetes service account."""

    def __init__(
        self,
        name: str,
        env: GcpEnv,
        request: IdentityRequest,
        *,
        buckets: dict[str, pulumi.Output[str]],
        database_secrets: list[gcp.secretmanager.Secret] = (),  # type: ignore[assignment]
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:gcp:WorkloadIdentity", name, None, opts)
        missing = sorted(set(request.buckets) - set(buckets))
        if missing:
            raise ValueError(
                f"identity {request.name!r} asks for lakehouse bucket(s) {', '.join(missing)} that "
                f"cloud-kernel:cloud.lakehouse does not define"
            )
        self.request = request
        self.account = gcp.serviceaccount.Account(
            f"{name}-sa",
            account_id=env.short_name(request.name, 30),
            project=env.gcp_project,
            display_name=f"{env.prefix}: {request.namespace}/{request.service_account}",
            description=f"Workload identity {request.name} ({request.namespace}/{request.service_account})",
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )
        child = pulumi.ResourceOptions(parent=self)
        gcp.serviceaccount.IAMMember(
            f"{name}-workload-identity",
            service_account_id=self.account.name,
            role="roles/iam.workloadIdentityUser",
            member=f"serviceAccount:{env.workload_pool}[{request.namespace}/{request.service_account}]",
            opts=child,
        )
        for key, access in sorted(request.buckets.items()):
            self._bucket(f"{name}-{key}", buckets[key], BUCKET_ROLES[access], request.prefix)
        self._secrets(name, env, request, database_secrets)
        self.email = self.principal = self.account.email
        self.annotations = self.account.email.apply(lambda email: {SERVICE_ACCOUNT_ANNOTATION: email})
        self.register_outputs({"serviceAccount": self.account.email})

    def _secrets(
        self, name: str, env: GcpEnv, request: IdentityRequest, database_secrets: list[gcp.secretmanager.Secret]
    ) -> None:
        """Secrets under the request's prefix, and the Postgres admin secrets when asked."""
        child = pulumi.ResourceOptions(parent=self)
        if request.secrets_read:
            prefix = secret_prefix(env, request)
            gcp.projects.IAMMember(
                f"{name}-secrets",
                project=env.gcp_project,
                role=SECRET_ACCESSOR,
                member=self.account.member,
                condition=gcp.projects.IAMMemberConditionArgs(
                    title="secrets-under-prefix",
                    description=f"Secrets whose id starts with {prefix}",
                    expression=env.project_number.apply(
                        lambda n: f'resource.name.startsWith("projects/{n}/secrets/{prefix}")'
                    ),
                ),
                opts=child,
            )
        if request.database_admin_secrets:
            for i, secret in enumerate(database_secrets):
                gcp.secretmanager.SecretIamMember(
                    f"{name}-database-admin-{i + 1}",
                    project=env.gcp_project,
                    secret_id=secret.id,
                    role=SECRET_ACCESSOR,
                    member=self.account.member,
                    opts=child,
                )

    def _bucket(self, name: str, bucket: pulumi.Output[str], role: str, prefix: str) -> None:
        member = self.account.member
        conditions = bucket.apply(lambda b: object_conditions(b, prefix))
        if not prefix.strip("/"):
            gcp.storage.BucketIAMMember(name, bucket=bucket, role=role, member=member, opts=pulumi.ResourceOptions(parent=self))
            return
        gcp.storage.BucketIAMMember(
            f"{name}-objects",
            bucket=bucket,
            role=role,
            member=member,
            condition=gcp.storage.BucketIAMMemberConditionArgs(
                title="objects-under-prefix", expression=conditions.apply(lambda c: c[0])
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        gcp.storage.BucketIAMMember(
            f"{name}-list",
            bucket=bucket,
            role="roles/storage.objectViewer",
            member=member,
            condition=gcp.storage.BucketIAMMemberConditionArgs(
                title="list-under-prefix", expression=conditions.apply(lambda c: c[1])
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
