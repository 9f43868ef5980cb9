"""The Iceberg REST catalog: Lakekeeper, with its metadata in a database on the platform Postgres.

Why Lakekeeper rather than Apache Polaris:
- one small Rust binary with Postgres as its only dependency (Polaris is a JVM/Quarkus service whose realm
  bootstrap is a separate admin tool run), so it fits the "two replicas of everything in prod" budget;
- it authenticates Kubernetes service-account tokens natively (chart key `auth.k8s`), which matches the
  platform's model: every workload already has an identity, no extra IdP needed to start;
- it vends short-lived storage credentials / remote-signs for S3, GCS and ADLS alike, so the same
  release runs on every cloud with the catalog's workload identity as the only cloud credential;
- Apache-2.0, with an OPA bridge (the platform's policy decision point) for engines such as Trino.

The authorizer is OpenFGA, not Lakekeeper's `allowall` (any authenticated caller could do anything): the chart's
own sub-chart (`internalOpenFGA`, openfga 0.2.62), because Lakekeeper writes its authorization model into the
store itself (`migrate`) and the chart wires the endpoint (`http://lakekeeper-openfga.<ns>.svc...:8081`, gRPC).
- Datastore: a database `openfga` with its own role on the same platform Postgres, bootstrapped by the same Job
  as the catalog's; the chart's bundled Postgres (`openfga.postgresql`) stays off. OpenFGA reads the whole URI,
  `postgres://openfga:<password>@<host>:<port>/openfga?sslmode=require` (TLS like the catalog; `require`, not
  `verify-full`: the contract carries no CA bundle of the managed server), from the Secret `datastore.uriSecret`
  names (key `uri`), built from secret Outputs: never in Helm values, plan.json or a log.
- Migrations: `datastore.migrationType: initContainer` (each OpenFGA pod migrates before it serves). The other
  type, `job`, is a post-install hook (the parent chart's `openfga.migrate.annotations`) while the OpenFGA and
  Lakekeeper pods wait for it in `k8s-wait-for` init containers: with the release waiting for its pods, the hook
  never runs (the same deadlock as Lakekeeper's own migration without `helmWait`).
- Authentication: OpenFGA `authn.method: preshared`, keys from the Secret `authn.preshared.keysSecret` names
  (key `keys`); Lakekeeper presents one as `LAKEKEEPER__OPENFGA__API_KEY` from the same Secret (`catalog.extraEnv`:
  the chart's `authz.openfga.apiKey` takes only a clear value, which Helm would keep in its release record).
- Pods: restricted contexts, requests and limits, the system pool, a PodDisruptionBudget in prod (the sub-chart
  has none). The sub-chart has no priority-class value (its schema refuses unknown keys): OpenFGA pods get the
  cluster default.
- Network: in this namespace only Lakekeeper (server and migration pods) reaches OpenFGA, on 8081 only
  (`core_kernel/network_policies.py`); OpenFGA reaches Postgres.
The backend must not change once Lakekeeper is bootstrapped (chart note): an install bootstrapped with `allowall`
is re-installed on a fresh catalog database (README, "Existing installs").

What the core kernel creates, in order:
1. an ExternalSecret copying the Postgres admin password from the cloud secret manager (through the
   ClusterSecretStore and External Secrets' workload identity; never stored in Pulumi config);
2. the catalog's and OpenFGA's role passwords, the OpenFGA pre-shared key and Lakekeeper's secret-encryption key
   (pulumi_random, kept in state, delivered only as Kubernetes Secrets);
3. a bootstrap Job that creates both roles and databases idempotently over TLS (PGSSLMODE=require);
4. the Lakekeeper release with its OpenFGA sub-chart (each runs its own schema migrations) using those roles;
5. the catalog administrator (`catalog_admin.py`): the ServiceAccount `catalog-admin` bootstraps Lakekeeper
   (server admin) and gives each workspace a project of its own on which its runner account may `create`.
Warehouses (one per Lakehouse) are created in the workspace's project through Lakekeeper's management API by
the user-space Job of the Lakehouse, as the workspace's runner (user_space/compiler/lakehouse.py).
Authentication: `auth.k8s` with the audience `naming.CATALOG_AUDIENCE`; Lakekeeper 0.12.0 (the chart's
appVersion) names a caller `kubernetes~<uid of its service account>` (TokenReview `user.uid`).
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import pulumi
import pulumi_random as random

from core_kernel import naming
from core_kernel.identities import CATALOG_IDENTITY
from core_kernel.scram import scram_sha256_verifier
from core_kernel.services import catalog_admin
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
OPENFGA_DB_SECRET = "iceberg-catalog-openfga-db"  # verifier (bootstrap Job), uri (OpenFGA's datastore.uriSecret)
OPENFGA_AUTHN_SECRET = "iceberg-catalog-openfga-authn"  # keys (OpenFGA's keysSecret), apiKey (Lakekeeper's)
OPENFGA_STORE = "lakekeeper"
HOST = "catalog"
# Lakekeeper uses its own workload identity for the platform buckets only when told to, per cloud (the
# compiler's `*-system-identity` storage credentials, user_space/compiler/lakehouse.py).
SYSTEM_CREDENTIALS: dict[str, dict[str, str]] = {
    "aws": {"LAKEKEEPER__ENABLE_AWS_SYSTEM_CREDENTIALS": "true"},
    "gcp": {"LAKEKEEPER__ENABLE_GCP_SYSTEM_CREDENTIALS": "true"},
    "azure": {"LAKEKEEPER__ENABLE_AZURE_SYSTEM_CREDENTIALS": "true"},
}

# Idempotent: creates each role and database once, re-asserts the password and ownership on every run.
# `$SECRETS` is the folder of the mounted Secrets (one sub-folder each). A role's password is set from its SCRAM
# verifier (core_kernel/scram.py), read by psql itself: the managed servers log DDL (`log_statement = ddl`), and
# neither the log nor the process list ever holds a password.
BOOTSTRAP_SQL = r"""set -eu
# Passwords come from mounted Secret files, never from the pod's environment.
PGPASSWORD="$(cat "$SECRETS/admin/password")"
export PGPASSWORD
bootstrap() {  # role, database, folder of its verifier file
VERIFIER_FILE="$SECRETS/$3/verifier" psql -v ON_ERROR_STOP=1 -v role="$1" -v db="$2" <<'SQL'
\set verifier `cat "$VERIFIER_FILE"`
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role', :'verifier') \gexec
SELECT format('GRANT %I TO %I', :'role', current_user) \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'role') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SQL
}
bootstrap "$CATALOG_USER" "$CATALOG_DB" catalog
bootstrap "$OPENFGA_USER" "$OPENFGA_DB" openfga
"""


def verifier(password: pulumi.Output[str], salt_base64: pulumi.Output[str]) -> pulumi.Output[str]:
    """The role's SCRAM verifier, as secret as the password it is made from."""
    return pulumi.Output.secret(pulumi.Output.all(password, salt_base64).apply(
        lambda args: scram_sha256_verifier(args[0], base64.b64decode(args[1]))))


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


def secret_volume(name: str, secret_name: str, key: str) -> dict[str, Any]:
    """One key of a Secret as a file readable by the pod's group only."""
    return {
        "name": name,
        "secret": {"secretName": secret_name, "items": [{"key": key, "path": key}], "defaultMode": 0o440},
    }


def bootstrap_job(host: Any, port: Any, admin_username: str, placement: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Job creating the catalog's and OpenFGA's roles and databases on the platform Postgres (restricted pod)."""

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
                                {"name": "SECRETS", "value": "/secrets"},
                                {"name": "CATALOG_USER", "value": naming.CATALOG_DB_USER},
                                {"name": "CATALOG_DB", "value": naming.CATALOG_DATABASE},
                                {"name": "OPENFGA_USER", "value": naming.OPENFGA_DB_USER},
                                {"name": "OPENFGA_DB", "value": naming.OPENFGA_DATABASE},
                            ],
                            "imagePullPolicy": "Always",
                            "resources": resources("50m", "64Mi", "500m", "128Mi"),
                            "securityContext": container_security_context(),
                            "volumeMounts": [
                                {"name": "tmp", "mountPath": "/tmp"},
                                {"name": "admin", "mountPath": "/secrets/admin", "readOnly": True},
                                {"name": "catalog", "mountPath": "/secrets/catalog", "readOnly": True},
                                {"name": "openfga", "mountPath": "/secrets/openfga", "readOnly": True},
                            ],
                        }
                    ],
                    "volumes": [
                        {"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}},
                        secret_volume("admin", ADMIN_SECRET, "password"),
                        secret_volume("catalog", DB_SECRET, "verifier"),
                        secret_volume("openfga", OPENFGA_DB_SECRET, "verifier"),
                    ],
                },
            },
        },
    }


def datastore_uri(host: Any, port: Any, password: Any) -> pulumi.Output[str]:
    """OpenFGA's Postgres URI (TLS required, like the catalog's connection), a secret Output: it holds the password."""
    uri = pulumi.Output.all(host, port, password).apply(
        lambda args: f"postgres://{quote(naming.OPENFGA_DB_USER, safe='')}:{quote(str(args[2]), safe='')}"
        f"@{args[0]}:{int(args[1])}/{naming.OPENFGA_DATABASE}?sslmode=require"
    )
    return pulumi.Output.secret(uri)


def openfga_values(replicas: int) -> dict[str, Any]:
    """The `openfga` sub-chart: Postgres datastore from a Secret, pre-shared keys, restricted pods."""
    return {
        "replicaCount": replicas,
        "podSecurityContext": pod_security_context(65532),  # the image's nonroot user
        # Also the `migrate-database` init container's context.
        "securityContext": container_security_context(),
        "resources": resources("100m", "128Mi", "1", "512Mi"),
        "datastore": {
            "engine": "postgres",
            "uriSecret": OPENFGA_DB_SECRET,
            "applyMigrations": True,
            # Not `job`: a post-install hook the waiting release never reaches (module docstring).
            "migrationType": "initContainer",
            "migrations": {"resources": resources("50m", "64Mi", "500m", "256Mi")},
        },
        "postgresql": {"enabled": False},  # never the bundled database: the platform Postgres is managed
        "authn": {"method": "preshared", "preshared": {"keysSecret": OPENFGA_AUTHN_SECRET}},
        "playground": {"enabled": False},  # a UI without authentication
    }


def openfga_disruption_budget() -> dict[str, Any]:
    """PodDisruptionBudget of the OpenFGA pods in prod (the sub-chart has no value for one)."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {
            "name": f"{naming.CATALOG_RELEASE}-openfga",
            "namespace": naming.NAMESPACES[KEY],
            "labels": LABELS,
        },
        "spec": {"minAvailable": 1, "selector": {"matchLabels": dict(naming.OPENFGA_POD_LABELS)}},
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
            # The server and its `migrate` Job (which writes the authorization model) authenticate to OpenFGA.
            "extraEnv": [
                {
                    "name": "LAKEKEEPER__OPENFGA__API_KEY",
                    "valueFrom": {"secretKeyRef": {"name": OPENFGA_AUTHN_SECRET, "key": "apiKey"}},
                }
            ],
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
        # Callers present a projected service-account token for the catalog's own audience (checked with a
        # TokenReview that names it): a token for the API server, or for anything else, is refused.
        "auth": {"k8s": {"enabled": True, "audience": naming.CATALOG_AUDIENCE}},
        # Every call is checked against OpenFGA; the chart derives the endpoint from the internal sub-chart.
        "authz": {"backend": "openfga", "openfga": {"store": OPENFGA_STORE}},
        "internalOpenFGA": True,
        "openfga": openfga_values(replicas),
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
        # The ExternalSecret kind comes with the External Secrets release, and it reads through the store.
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
        openfga_password = random.RandomPassword(f"{name}-openfga-db-password", length=40, special=False, opts=generated)
        salts = {role: random.RandomBytes(f"{name}-{role}-scram-salt", length=16, opts=generated)
                 for role in ("catalog", "openfga")}
        preshared_key = random.RandomPassword(f"{name}-openfga-key", length=48, special=False, opts=generated)
        db_secret = apply_object(
            f"{name}-db-secret",
            secret(DB_SECRET, {"username": naming.CATALOG_DB_USER, "password": password.result,
                               "verifier": verifier(password.result, salts["catalog"].base64)}),
            k8s_opts(self, ctx.contract, ready),
        )
        openfga_db_secret = apply_object(
            f"{name}-openfga-db-secret",
            secret(
                OPENFGA_DB_SECRET,
                {
                    "username": naming.OPENFGA_DB_USER,
                    "password": openfga_password.result,
                    "verifier": verifier(openfga_password.result, salts["openfga"].base64),
                    "uri": datastore_uri(database.host, database.port, openfga_password.result),
                },
            ),
            k8s_opts(self, ctx.contract, ready),
        )
        authn_secret = apply_object(
            f"{name}-openfga-authn-secret",
            secret(OPENFGA_AUTHN_SECRET, {"keys": preshared_key.result, "apiKey": preshared_key.result}),
            k8s_opts(self, ctx.contract, ready),
        )
        if ctx.production:
            apply_object(f"{name}-openfga-pdb", openfga_disruption_budget(), k8s_opts(self, ctx.contract, ready))
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
            k8s_opts(self, ctx.contract, [*ready, admin, db_secret, openfga_db_secret], delete_before_replace=True),
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
            k8s_opts(self, ctx.contract, [*ready, self.bootstrap, key_secret, openfga_db_secret, authn_secret]),
            placement=ctx.placement,
        )
        # The catalog administrator: bootstrap at deploy, workspace projects and grants then and on a schedule.
        admin_opts = k8s_opts(self, ctx.contract, ready)
        admin_objects = [
            apply_object(f"{name}-admin-sa", catalog_admin.service_account(), admin_opts),
            apply_object(f"{name}-admin-role", catalog_admin.cluster_role(), admin_opts),
            apply_object(f"{name}-admin-binding", catalog_admin.cluster_role_binding(), admin_opts),
            apply_object(f"{name}-admin-script", catalog_admin.script_config_map(), admin_opts),
        ]
        after_release = [*ready, self.release, *admin_objects]
        self.admin = apply_object(
            f"{name}-admin-job",
            catalog_admin.job(ctx.placement),
            k8s_opts(self, ctx.contract, after_release, delete_before_replace=True),
        )
        apply_object(f"{name}-admin-cron", catalog_admin.cron_job(ctx.placement), k8s_opts(self, ctx.contract, after_release))
        if spec.catalog.expose and ctx.gateway_release is not None:
            route = http_route("catalog", namespace, f"{HOST}.{spec.domain}", naming.CATALOG_RELEASE, naming.CATALOG_PORT)
            apply_object(f"{name}-route", route, k8s_opts(self, ctx.contract, [self.release, ctx.gateway_release]))
        self.register_outputs({"release": self.release.name, "endpoint": naming.catalog_endpoint()})
