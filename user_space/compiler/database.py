"""Database -> a database and owner role on the platform Postgres, a migration Job, credentials Secrets.

Where things live (least privilege): the platform admin credential never enters a user workspace. The
bootstrap Job, the admin `ExternalSecret` and the migrations ConfigMap live in the instance namespace
(`system`); the workspace gets only the owner credentials (`<db>-db-credentials`: username, password,
host, port, database, uri) that its Services (beacon) and jobs use.

The Job runs `psql` twice: `bootstrap.sql` as the admin (creates the owner role and the database
idempotently, revokes PUBLIC access) and `migrate.sql` as the owner (applies pending `*.up.sql` in order,
recorded in `cloudkernel_schema_migrations`, each in its own transaction; `command: down` reverts the last
`parameter` (default 1) applied migrations that have a `.down.sql`).

Credentials: External Secrets reads the admin secret from the context's database entry
(`admin_secret_ref`, properties `username`/`password`, the RDS/Cloud SQL managed-secret shape) and the owner
password from `<prefix>workspaces/<workspace>/databases/<name>` in the cloud secret manager.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from user_space.compiler.common import (INSTANCE_WORKSPACE, CompileError, Res, checkov_skips, dns_name, metadata, obj,
                                        require)
from user_space.compiler.index import Index
from user_space.compiler.pods import RUNNER_SERVICE_ACCOUNT, placement, pod_security_context, small_container
from user_space.compiler.images import POSTGRES_CLIENT_IMAGE

MIGRATIONS_TABLE = "cloudkernel_schema_migrations"
_MIGRATION = re.compile(r"(?P<version>.+?)\.(?P<direction>up|down)\.sql")


# ----- names ------------------------------------------------------------------------------------------------
def pg_database_name(workspace: str, name: str) -> str:
    return f"{workspace}_{name}".replace("-", "_")[:63]


def pg_owner_name(workspace: str, name: str) -> str:
    return f"{pg_database_name(workspace, name)[:57]}_owner"


def credentials_secret_name(name: str) -> str:
    return dns_name(name, "db-credentials", limit=253)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# ----- SQL --------------------------------------------------------------------------------------------------
def database_bootstrap_sql(database: str, owner: str) -> str:
    """psql script (run as the admin, `-v owner_password=...`) creating role and database idempotently."""
    db, role = _lit(database), _lit(owner)
    return "\n".join([
        r"\set ON_ERROR_STOP on",
        f"SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', {role})",
        f"  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {role})\\gexec",
        f"SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', {role}, :'owner_password')\\gexec",
        # A non-superuser admin (RDS, Cloud SQL) must be a member of the role to create a database it owns.
        f"SELECT format('GRANT %I TO %I', {role}, current_user)",
        f"  WHERE NOT pg_has_role(current_user, {role}, 'MEMBER')\\gexec",
        f"SELECT format('CREATE DATABASE %I OWNER %I', {db}, {role})",
        f"  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = {db})\\gexec",
        f"SELECT format('ALTER DATABASE %I OWNER TO %I', {db}, {role})\\gexec",
        f"SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', {db})\\gexec",
        f"SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', {db}, {role})\\gexec",
        f"\\connect {database}",
        f"SELECT format('ALTER SCHEMA public OWNER TO %I', {role})\\gexec",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
        "",
    ])


def migration_set(migrate: dict[str, Any]) -> dict[str, dict[str, str]]:
    """version -> {"up": sql, "down": sql} from `includesInline` (names with or without `.up.sql`)."""
    result: dict[str, dict[str, str]] = {}
    for name, sql in sorted((migrate.get("includesInline") or {}).items()):
        match = _MIGRATION.fullmatch(name)
        version, direction = (match["version"], match["direction"]) if match else (name.removesuffix(".sql"), "up")
        result.setdefault(version, {})[direction] = sql
    return dict(sorted(result.items()))


def database_migration_sql(migrations: dict[str, dict[str, str]], command: str = "up", steps: int = 1) -> str:
    """psql script (run as the owner): apply pending up-migrations in order, or revert the last `steps`."""
    lines = [
        r"\set ON_ERROR_STOP on",
        f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (version text PRIMARY KEY, "
        "applied_at timestamptz NOT NULL DEFAULT now());",
    ]
    if command == "up":
        for version, parts in migrations.items():
            if "up" not in parts:
                continue
            lines += [
                f"SELECT NOT EXISTS (SELECT 1 FROM {MIGRATIONS_TABLE} WHERE version = {_lit(version)}) AS pending \\gset",
                r"\if :pending",
                "BEGIN;",
                parts["up"].strip().rstrip(";") + ";",
                f"INSERT INTO {MIGRATIONS_TABLE} (version) VALUES ({_lit(version)});",
                "COMMIT;",
                r"\endif",
            ]
    else:
        candidates = [v for v, p in reversed(list(migrations.items())) if "down" in p]
        for version in candidates[:steps]:
            lines += [
                f"SELECT EXISTS (SELECT 1 FROM {MIGRATIONS_TABLE} WHERE version = {_lit(version)}) AS applied \\gset",
                r"\if :applied",
                "BEGIN;",
                migrations[version]["down"].strip().rstrip(";") + ";",
                f"DELETE FROM {MIGRATIONS_TABLE} WHERE version = {_lit(version)};",
                "COMMIT;",
                r"\endif",
            ]
    return "\n".join(lines) + "\n"


def inline_includes(view: dict[str, Any], manifest_dir: Path) -> dict[str, Any]:
    """Read `migrate.includes` folders (relative to the manifest) into `includesInline`, as the CLI does."""
    block = view.get("database") or {}
    migrate = dict(block.get("migrate") or {})
    includes = migrate.get("includes") or []
    if not includes:
        return view
    inline = dict(migrate.get("includesInline") or {})
    for folder in includes:
        path = (manifest_dir / folder).resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"folder {folder!r} not found next to the manifest ({manifest_dir})")
        for file in sorted(path.glob("*.sql")):
            inline.setdefault(file.name, file.read_text(encoding="utf-8"))
    migrate["includesInline"] = inline
    migrate["includes"] = []
    return {**view, "database": {**block, "migrate": migrate}}


# ----- objects ------------------------------------------------------------------------------------------------
def platform_database(idx: Index, res: Res) -> tuple[str, Any]:
    databases = idx.context.databases
    if not databases:
        raise CompileError(res.resource_id, "needs a platform Postgres instance; none in this environment")
    name = "platform" if "platform" in databases else sorted(databases)[0]
    return name, databases[name]


def _owner_external_secret(idx: Index, res: Res, namespace: str, instance: Any) -> dict[str, Any]:
    store = require(idx.context.secret_store, res, "External Secrets (database credentials)")
    database, owner = pg_database_name(res.workspace, res.name), pg_owner_name(res.workspace, res.name)
    key = store.key(f"workspaces/{res.workspace}/databases/{res.name}")
    uri = (f"postgresql://{owner}:{{{{ .password | urlquery }}}}@{instance.host}:{instance.port}/{database}"
           "?sslmode=require")
    return obj("external-secrets.io/v1", "ExternalSecret",
               metadata(res, credentials_secret_name(res.name), namespace=namespace, component="credentials"),
               spec={"refreshInterval": "1h",
                     "secretStoreRef": {"kind": store.kind, "name": store.name},
                     "target": {"name": credentials_secret_name(res.name), "creationPolicy": "Owner",
                                "template": {"type": "Opaque", "engineVersion": "v2", "data": {
                                    "username": owner, "password": "{{ .password }}", "host": instance.host,
                                    "port": str(instance.port), "database": database, "uri": uri}}},
                     "data": [{"secretKey": "password", "remoteRef": {"key": key, "property": "password"}}]})


def compile_database(idx: Index, res: Res) -> list[dict[str, Any]]:
    block = res.block
    migrate = block.get("migrate") or {}
    if any(isinstance(i, str) for i in migrate.get("includes") or []):
        raise CompileError(res.resource_id, "database.migrate.includes folders must be inlined before compiling "
                                            "(kernelctl render and the GitOps layer do it)")
    instance_key, instance = platform_database(idx, res)
    store = require(idx.context.secret_store, res, "External Secrets (database credentials)")
    idx.need(res.workspace, "postgres")
    idx.need(INSTANCE_WORKSPACE, "postgres")
    database, owner = pg_database_name(res.workspace, res.name), pg_owner_name(res.workspace, res.name)
    base = dns_name(res.workspace, res.name, "db", limit=52)
    ns = INSTANCE_WORKSPACE
    admin_secret = dns_name("postgres-admin", instance_key)
    objects = [
        _owner_external_secret(idx, res, res.workspace, instance),
        _owner_external_secret(idx, res, ns, instance),
        obj("external-secrets.io/v1", "ExternalSecret",
            metadata(res, admin_secret, namespace=ns, component="admin-credentials"),
            spec={"refreshInterval": "1h", "secretStoreRef": {"kind": store.kind, "name": store.name},
                  "target": {"name": admin_secret, "creationPolicy": "Owner"},
                  "data": [{"secretKey": "username", "remoteRef": {"key": instance.admin_secret_ref,
                                                                   "property": "username"}},
                           {"secretKey": "password", "remoteRef": {"key": instance.admin_secret_ref,
                                                                   "property": "password"}}]}),
    ]
    steps = int(str(migrate.get("parameter") or "1")) if str(migrate.get("parameter") or "1").isdigit() else 1
    scripts = {
        "bootstrap.sql": database_bootstrap_sql(database, owner),
        "migrate.sql": database_migration_sql(migration_set(migrate), migrate.get("command", "up"), steps),
    }
    objects.append(obj("v1", "ConfigMap", metadata(res, f"{base}-migrations", namespace=ns, component="migrations"),
                       data=scripts))
    node_selector, tolerations = placement(idx, res, block.get("compute", "runnable-default"))
    env = [
        {"name": "PGHOST", "value": instance.host}, {"name": "PGPORT", "value": str(instance.port)},
        {"name": "PGSSLMODE", "value": "require"}, {"name": "PGCONNECT_TIMEOUT", "value": "10"},
        {"name": "PSQL_HISTORY", "value": "/dev/null"}, {"name": "HOME", "value": "/tmp"},
    ]
    mounts = [{"name": "scripts", "mountPath": "/scripts", "readOnly": True}, {"name": "tmp", "mountPath": "/tmp"}]
    bootstrap = small_container(
        "bootstrap", POSTGRES_CLIENT_IMAGE,
        ["/bin/sh", "-c", 'exec psql -d postgres -v owner_password="$OWNER_PASSWORD" -f /scripts/bootstrap.sql'],
        env + [{"name": "PGUSER", "valueFrom": {"secretKeyRef": {"name": admin_secret, "key": "username"}}},
               {"name": "PGPASSWORD", "valueFrom": {"secretKeyRef": {"name": admin_secret, "key": "password"}}},
               {"name": "OWNER_PASSWORD", "valueFrom": {"secretKeyRef": {"name": credentials_secret_name(res.name),
                                                                         "key": "password"}}}],
        mounts)
    migrate_c = small_container(
        "migrate", POSTGRES_CLIENT_IMAGE, ["psql", "-d", database, "-f", "/scripts/migrate.sql"],
        env + [{"name": "PGUSER", "value": owner},
               {"name": "PGPASSWORD", "valueFrom": {"secretKeyRef": {"name": credentials_secret_name(res.name),
                                                                     "key": "password"}}}],
        mounts)
    pod = {
        "automountServiceAccountToken": False,
        "serviceAccountName": RUNNER_SERVICE_ACCOUNT,
        "restartPolicy": "OnFailure",
        "securityContext": pod_security_context(),
        "initContainers": [bootstrap],
        "containers": [migrate_c],
        "volumes": [{"name": "scripts", "configMap": {"name": f"{base}-migrations"}},
                    {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
        "priorityClassName": idx.context.workspaces.batch_priority_class,
        "enableServiceLinks": False,
    }
    if node_selector:
        pod["nodeSelector"] = node_selector
    if tolerations:
        pod["tolerations"] = tolerations
    # The Job name carries a hash of its scripts: a changed migration set is a new Job (Jobs are immutable).
    from user_space.compiler.common import short_hash

    job_name = dns_name(base, "migrate", short_hash("".join(scripts.values()), 6), limit=63)
    skips = checkov_skips({"CKV_K8S_35": "psql reads the database password only from PGPASSWORD; the Job's "
                                         "containers run once and exit"})
    objects.append(obj("batch/v1", "Job", metadata(res, job_name, namespace=ns, component="migration",
                                                   extra_annotations=skips),
                       spec={"backoffLimit": 4, "ttlSecondsAfterFinished": 86400,
                             "template": {"metadata": {"labels": metadata(res, "x", component="migration")["labels"]},
                                          "spec": pod}}))
    return objects
