"""The Iceberg REST catalog: Lakekeeper, with its metadata in a database on the platform Postgres.

Why Lakekeeper rather than Apache Polaris:
- one small Rust binary with Postgres as its only dependency (Polaris is a JVM/Quarkus service whose realm
  bootstrap is a separate admin tool run), so it fits the "two replicas of everything in prod" budget;
- it authenticates Kubernetes service-account tokens natively (chart key `auth.k8s`), which matches the
  platform's model: every workload already has an identity, no extra IdP needed to start;
- it vends short-lived storage credentials / remote-signs for S3, GCS and ADLS alike, so the same
  release runs on every cloud with the catalog's workload identity as the only cloud credential;
- Apache-2.0, with an OPA bridge (the platform's policy decision point) for engines such as Trino.

What the core kernel creates, in order:
1. an ExternalSecret copying the Postgres admin password from the cloud secret manager (through the
   ClusterSecretStore and External Secrets' workload identity; never stored in Pulumi config);
2. the catalog's own role password and Lakekeeper's secret-encryption key (pulumi_random, kept in state,
   delivered only as Kubernetes Secrets);
3. a bootstrap Job that creates the role and the database idempotently over TLS (PGSSLMODE=require);
4. the Lakekeeper release (it runs its own schema migrations) using that role, not the admin.
Warehouses (one per lakehouse bucket, listed in `PlatformContext.catalog.warehouses`) are registered
through Lakekeeper's management API by the user-space runtime when a Lakehouse Resource asks for them.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_random as random

from core_kernel import naming
from core_kernel.identities import CATALOG_IDENTITY
from core_kernel.services.common import (
    PLATFORM_CRITICAL,
    BuildContext,
    apply_object,
    container_security_context,
    helm_release,
    http_route,
    k8s_opts,
    pod_security_context,
    resources,
)
from core_kernel.versions import POSTGRES_CLIENT_IMAGE, POSTGRES_CLIENT_UID

KEY = "catalog"
LABELS = {"app.kubernetes.io/part-of": "cloud-kernel"}
ADMIN_SECRET = "iceberg-catalog-db-admin"
DB_SECRET = "iceberg-catalog-db"
ENCRYPTION_SECRET = "iceberg-catalog-encryption"
BOOTSTRAP_JOB = "iceberg-catalog-db-bootstrap"
HOST = "catalog"
# Lakekeeper uses its own workload identity for the platform buckets only when told to, per cloud (the
# compiler's `*-system-identity` storage credentials, user_space/compiler/lakehouse.py).
SYSTEM_CREDENTIALS: dict[str, dict[str, str]] = {
    "aws": {"LAKEKEEPER__ENABLE_AWS_SYSTEM_CREDENTIALS": "true"},
    "gcp": {"LAKEKEEPER__ENABLE_GCP_SYSTEM_CREDENTIALS": "true"},
    "azure": {"LAKEKEEPER__ENABLE_AZURE_SYSTEM_CREDENTIALS": "true"},
}

# Idempotent: creates the role and database once, re-asserts the password and ownership on every run.
BOOTSTRAP_SQL = r"""set -eu
# Passwords come from mounted Secret files, never from the pod's environment.
PGPASSWORD="$(cat /secrets/admin/password)"
export PGPASSWORD
CATALOG_PASSWORD="$(cat /secrets/catalog/password)"
psql -v ON_ERROR_STOP=1 -v role="$CATALOG_USER" -v pw="$CATALOG_PASSWORD" -v db="$CATALOG_DB" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role', :'pw') \gexec
SELECT format('GRANT %I TO %I', :'role', current_user) \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'role') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SQL
"""


def admin_external_secret(admin_secret_ref: Any) -> dict[str, Any]:
    """ExternalSecret with the Postgres admin password (`password` property of the cloud secret)."""
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": ADMIN_SECRET, "namespace": naming.NAMESPACES[KEY], "labels": LABELS},
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": naming.SECRET_STORE_NAME},
            "target": {"name": ADMIN_SECRET, "creationPolicy": "Owner"},
            "data": [{"secretKey": "password", "remoteRef": {"key": admin_secret_ref, "property": "password"}}],
        },
    }


def secret(name: str, string_data: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": naming.NAMESPACES[KEY], "labels": LABELS},
        "type": "Opaque",
        "stringData": string_data,
    }


def secret_volume(name: str, secret_name: str) -> dict[str, Any]:
    """The `password` key of a Secret as a file readable by the pod's group only."""
    return {
        "name": name,
        "secret": {"secretName": secret_name, "items": [{"key": "password", "path": "password"}], "defaultMode": 0o440},
    }


def bootstrap_job(host: Any, port: Any, admin_username: str, placement: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Job creating the catalog's role and database on the platform Postgres (restricted pod)."""

    labels = {**LABELS, "app.kubernetes.io/name": BOOTSTRAP_JOB}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": BOOTSTRAP_JOB, "namespace": naming.NAMESPACES[KEY], "labels": labels},
        "spec": {
            "backoffLimit": 6,
            "activeDeadlineSeconds": 900,
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "automountServiceAccountToken": False,
                    "priorityClassName": PLATFORM_CRITICAL,
                    **(placement or {}),
                    "securityContext": pod_security_context(POSTGRES_CLIENT_UID),
                    "containers": [
                        {
                            "name": "psql",
                            "image": POSTGRES_CLIENT_IMAGE,
                            "command": ["/bin/sh", "-c", BOOTSTRAP_SQL],
                            "env": [
                                {"name": "PGHOST", "value": host},
                                {"name": "PGPORT", "value": port},
                                {"name": "PGDATABASE", "value": "postgres"},
                                {"name": "PGUSER", "value": admin_username},
                                {"name": "PGSSLMODE", "value": "require"},
                                {"name": "PGCONNECT_TIMEOUT", "value": "10"},
                                {"name": "HOME", "value": "/tmp"},
                                {"name": "CATALOG_USER", "value": naming.CATALOG_DB_USER},
                                {"name": "CATALOG_DB", "value": naming.CATALOG_DATABASE},
                            ],
                            "imagePullPolicy": "Always",
                            "resources": resources("50m", "64Mi", "500m", "128Mi"),
                            "securityContext": container_security_context(),
                            "volumeMounts": [
                                {"name": "tmp", "mountPath": "/tmp"},
                                {"name": "admin", "mountPath": "/secrets/admin", "readOnly": True},
                                {"name": "catalog", "mountPath": "/secrets/catalog", "readOnly": True},
                            ],
                        }
                    ],
                    "volumes": [
                        {"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}},
                        secret_volume("admin", ADMIN_SECRET),
                        secret_volume("catalog", DB_SECRET),
                    ],
                },
            },
        },
    }


def values(
    replicas: int, prod: bool, host: Any, port: Any, annotations: Any, base_uri: str, cloud: str = "",
    pod_labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "fullnameOverride": naming.CATALOG_RELEASE,
        # The schema migration runs as a plain Job the release waits for; as a post-install hook it would wait
        # for catalog pods that wait for the migration (the release deadlocks until its timeout).
        "helmWait": True,
        "catalog": {
            "replicas": replicas,
            "podLabels": dict(pod_labels or {}),
            "priorityClassName": PLATFORM_CRITICAL,
            "resources": resources("100m", "256Mi", "1", "1Gi"),
            "podSecurityContext": pod_security_context(65532),
            "containerSecurityContext": container_security_context(),
            "podDisruptionBudget": {"enabled": prod, "minAvailable": 1},
            "config": {
                "ICEBERG_REST__BASE_URI": base_uri,
                "LAKEKEEPER__PG_SSL_MODE": "require",
                "LAKEKEEPER__METRICS_PORT": "9000",
                **SYSTEM_CREDENTIALS.get(cloud, {}),
            },
            "dbMigrations": {"resources": resources("50m", "128Mi", "500m", "512Mi")},
            "initContainers": {"checkDb": {"resources": resources("10m", "32Mi", "100m", "64Mi")}},
        },
        "serviceAccount": {"create": True, "name": naming.CATALOG_SERVICE_ACCOUNT, "annotations": annotations},
        "postgresql": {"enabled": False},  # never the embedded database: the platform Postgres is managed
        "externalDatabase": {
            "type": "postgres",
            "host_read": host,
            "host_write": host,
            "port": port,
            "database": naming.CATALOG_DATABASE,
            "user": naming.CATALOG_DB_USER,
            "passwordSecret": DB_SECRET,
            "passwordSecretKey": "password",
        },
        "secretBackend": {
            "type": "Postgres",
            "postgres": {"encryptionKeySecret": ENCRYPTION_SECRET, "encryptionKeySecretKey": "encryptionKey"},
        },
        # Callers present their Kubernetes service-account token (checked with a TokenReview); no anonymous access.
        "auth": {"k8s": {"enabled": True}},
    }


class Catalog(pulumi.ComponentResource):
    def __init__(self, name: str, ctx: BuildContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:Catalog", name, None, opts)
        spec = ctx.spec
        database = ctx.contract.postgres.get(spec.catalog.database)
        if database is None:
            known = ", ".join(sorted(ctx.contract.postgres)) or "none"
            raise ValueError(
                f"core.catalog.database: no postgres instance {spec.catalog.database!r} in the cloud kernel (known: {known})"
            )
        namespace = naming.NAMESPACES[KEY]
        ready = ctx.ready(KEY)
        admin = apply_object(
            f"{name}-db-admin",
            admin_external_secret(database.admin_secret_ref),
            k8s_opts(
                self,
                ctx.contract,
                [*ready, *(r for r in [ctx.external_secrets_release, ctx.secret_store] if r is not None)],
            ),
        )
        # Stacks disable default providers, so the generated secrets get an explicit one of their own.
        random_provider = random.Provider(f"{name}-random", opts=pulumi.ResourceOptions(parent=self))
        generated = pulumi.ResourceOptions(parent=self, provider=random_provider)
        password = random.RandomPassword(f"{name}-db-password", length=40, special=False, opts=generated)
        encryption_key = random.RandomPassword(f"{name}-encryption-key", length=48, special=False, opts=generated)
        db_secret = apply_object(
            f"{name}-db-secret",
            secret(DB_SECRET, {"username": naming.CATALOG_DB_USER, "password": password.result}),
            k8s_opts(self, ctx.contract, ready),
        )
        key_secret = apply_object(
            f"{name}-encryption-secret",
            secret(ENCRYPTION_SECRET, {"encryptionKey": encryption_key.result}),
            k8s_opts(self, ctx.contract, ready),
        )
        port = pulumi.Output.from_input(database.port).apply(lambda p: str(int(p)))
        self.bootstrap = apply_object(
            f"{name}-db-bootstrap",
            bootstrap_job(database.host, port, database.admin_username, ctx.placement),
            # A Job's template is immutable and its name fixed: replace by deleting first.
            k8s_opts(self, ctx.contract, [*ready, admin, db_secret], delete_before_replace=True),
        )
        base_uri = f"https://{HOST}.{spec.domain}/catalog" if spec.catalog.expose else naming.catalog_endpoint()
        self.release = helm_release(
            f"{name}-release",
            KEY,
            naming.CATALOG_RELEASE,
            namespace,
            values(
                ctx.replicas,
                ctx.production,
                database.host,
                database.port,
                ctx.identity_annotations(CATALOG_IDENTITY),
                base_uri,
                ctx.contract.cloud,
                ctx.identity_pod_labels(CATALOG_IDENTITY),
            ),
            k8s_opts(self, ctx.contract, [*ready, self.bootstrap, key_secret]),
            placement=ctx.placement,
        )
        if spec.catalog.expose and ctx.gateway_release is not None:
            route = http_route("catalog", namespace, f"{HOST}.{spec.domain}", naming.CATALOG_RELEASE, naming.CATALOG_PORT)
            apply_object(f"{name}-route", route, k8s_opts(self, ctx.contract, [self.release, ctx.gateway_release]))
        self.register_outputs({"release": self.release.name, "endpoint": naming.catalog_endpoint()})
