"""Database Resources' migrations, run by the runtime against the platform Postgres (psycopg).

- `bootstrap`: as the platform admin, create the owner role and the database idempotently (the same
  statements as the compiled bootstrap script), serialized per database by an advisory lock.
- `migrate`: as the owner, apply pending `up` migrations in version order, or revert the last `steps` that
  have a `down`; each migration and its row in `cloudkernel_schema_migrations` commit in ONE transaction,
  so a crash mid-run loses nothing (the interrupted migration rolls back and runs again next time), and a
  session advisory lock serializes concurrent runners (the second finds the work done).

The owner password is generated once and kept in a Kubernetes Secret owned by the Database's custom resource
(unless External Secrets already provides `<name>-db-credentials`); it never enters the spec, status or logs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Callable

import psycopg
from psycopg import sql

from user_space.compiler.common import INSTANCE_WORKSPACE, dns_name
from user_space.compiler.database import (MIGRATIONS_TABLE, credentials_secret_name, migration_set, pg_database_name,
                                          pg_owner_name, platform_database)

LOCK_NAMESPACE = "cloudkernel-migrations"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    sslmode: str = "require"
    connect_timeout: int = 10

    def connect(self, user: str, password: str, dbname: str, **kwargs: Any) -> psycopg.Connection:
        return psycopg.connect(host=self.host, port=self.port, user=user, password=password, dbname=dbname,
                               sslmode=self.sslmode, connect_timeout=self.connect_timeout, **kwargs)


def _lock(conn: psycopg.Connection, name: str) -> None:
    conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"{LOCK_NAMESPACE}:{name}",))


def bootstrap(server: Server, admin: tuple[str, str], database: str, owner: str, owner_password: str) -> None:
    """Create (or repair) the owner role and the database; safe to run any number of times, concurrently."""
    with server.connect(*admin, dbname="postgres", autocommit=True) as conn:
        _lock(conn, f"bootstrap:{database}")
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (owner,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION")
                         .format(sql.Identifier(owner)))
        conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(sql.Identifier(owner),
                                                                             sql.Literal(owner_password)))
        if not conn.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", (owner,)).fetchone()[0]:
            conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(owner)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(owner)))
        db, role = sql.Identifier(database), sql.Identifier(owner)
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(db, role))
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
        conn.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(db, role))
    with server.connect(*admin, dbname=database, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(owner)))
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")


def migrate(server: Server, owner: tuple[str, str], database: str, migrations: dict[str, dict[str, str]],
            command: str = "up", steps: int = 1,
            before_each: Callable[[str], None] | None = None) -> list[str]:
    """Apply (or revert) migrations; returns the versions changed by THIS run, in order."""
    table = sql.Identifier(MIGRATIONS_TABLE)
    done: list[str] = []
    with server.connect(*owner, dbname=database, autocommit=True) as conn:
        _lock(conn, f"migrate:{database}")
        conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (version text PRIMARY KEY, "
                             "applied_at timestamptz NOT NULL DEFAULT now())").format(table))
        applied = {row[0] for row in conn.execute(sql.SQL("SELECT version FROM {}").format(table))}
        if command == "up":
            plan = [(v, p["up"]) for v, p in migrations.items() if "up" in p and v not in applied]
        else:
            plan = [(v, migrations[v]["down"]) for v in sorted(applied, reverse=True)
                    if "down" in migrations.get(v, {})][:steps]
        for version, script in plan:
            if before_each is not None:
                before_each(version)
            with conn.transaction():
                conn.execute(script)
                if command == "up":
                    conn.execute(sql.SQL("INSERT INTO {} (version) VALUES (%s)").format(table), (version,))
                else:
                    conn.execute(sql.SQL("DELETE FROM {} WHERE version = %s").format(table), (version,))
            done.append(version)
        conn.execute("SELECT pg_advisory_unlock_all()")
    return done


def generate_password() -> str:
    return secrets.token_urlsafe(32)


# ----- the runtime's side: credentials from the cluster ------------------------------------------------------
def owner_password_secret_name(name: str) -> str:
    return dns_name(name, "db-owner-password", limit=253)


def database_migrator(cluster: Any, sslmode: str | None = None) -> Callable[..., bool]:
    """The runtime's hook for Database Resources: bootstrap and migrate; True on success.

    Raises the reconciler's Wait while the admin credential Secret (synced by External Secrets) is missing.
    `sslmode` defaults to `require` (TLS-only databases); $CLOUD_KERNEL_PGSSLMODE overrides it for local
    development servers without TLS.
    """
    import os

    from user_space.runtime.reconciler import Wait

    mode = sslmode or os.environ.get("CLOUD_KERNEL_PGSSLMODE", "require")

    def run(body: Any, res: Any, context: Any) -> bool:
        key, instance = platform_database_of(res, context)
        admin_name = dns_name("postgres-admin", key)
        admin = cluster.secret_data(INSTANCE_WORKSPACE, admin_name)
        if not admin or not admin.get("username") or not admin.get("password"):
            raise Wait("WaitingForCredentials",
                       f"waiting for Secret {INSTANCE_WORKSPACE}/{admin_name} (username, password) of the platform "
                       "Postgres, synced by External Secrets")
        password = owner_password(cluster, body, res)
        migrate_block = res.block.get("migrate") or {}
        server = Server(instance.host, int(instance.port), mode)
        database, owner = pg_database_name(res.workspace, res.name), pg_owner_name(res.workspace, res.name)
        try:
            bootstrap(server, (admin["username"], admin["password"]), database, owner, password)
            steps = str(migrate_block.get("parameter") or "1")
            migrate(server, (owner, password), database, migration_set(migrate_block),
                    migrate_block.get("command", "up"), int(steps) if steps.isdigit() else 1)
        except psycopg.Error as exc:
            raise Wait("MigrationFailed", f"migrations of {database}: {exc.diag.message_primary or exc}",
                       delay=60) from None
        return True

    return run


def platform_database_of(res: Any, context: Any) -> tuple[str, Any]:
    from user_space.compiler.index import Index

    return platform_database(Index(context, []), res)


def owner_password(cluster: Any, body: Any, res: Any) -> str:
    """External Secrets' `<name>-db-credentials` when present, else one generated once and kept."""
    synced = cluster.secret_data(res.workspace, credentials_secret_name(res.name))
    if synced and synced.get("password"):
        return synced["password"]
    name = owner_password_secret_name(res.name)
    kept = cluster.secret_data(res.workspace, name)
    if kept and kept.get("password"):
        return kept["password"]
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
              "metadata": {"name": name, "namespace": res.workspace,
                           "labels": {"app.kubernetes.io/managed-by": "cloud-kernel-runtime",
                                      "cloudkernel.io/resource-type": "database",
                                      "cloudkernel.io/resource-name": res.name},
                           "ownerReferences": [body.owner.reference()]},
              "stringData": {"password": generate_password()}}
    cluster.create(secret)  # a concurrent creator wins; read back what is stored either way
    return (cluster.secret_data(res.workspace, name) or {})["password"]
