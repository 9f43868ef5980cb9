"""The Database Resource's SQL against a REAL PostgreSQL: a throwaway server (Debian's initdb + pg_ctl on a
temp dir and a free localhost port, as the `postgres` user when the tests run as root), the same psql
scripts the migration Job runs, twice (idempotent), then checks as the created role with psycopg."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.support.postgres import ADMIN, ADMIN_PASSWORD, server  # noqa: F401 - the fixture
from user_space.compiler.database import (MIGRATIONS_TABLE, database_bootstrap_sql, database_migration_sql,
                                          migration_set)

pytestmark = pytest.mark.integration

OWNER_PASSWORD = "owner pw with 'quote' and space"


def psql(server, user: str, password: str, database: str, script: str, *variables: str) -> str:
    env = {**os.environ, "PGHOST": server["host"], "PGPORT": str(server["port"]), "PGUSER": user,
           "PGPASSWORD": password, "PSQL_HISTORY": "/dev/null"}
    args = ["psql", "-X", "-q", "-d", database]
    for variable in variables:
        args += ["-v", variable]
    result = subprocess.run(args + ["-f", "-"], input=script, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


MIGRATIONS = migration_set({"includesInline": {
    "001_init.up.sql": "CREATE TABLE orders (id bigserial PRIMARY KEY, total bigint NOT NULL);",
    "001_init.down.sql": "DROP TABLE orders;",
    "002_status.up.sql": "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';",
    "002_status.down.sql": "ALTER TABLE orders DROP COLUMN status;",
}})


def test_bootstrap_and_migrations_are_idempotent_and_least_privilege(server):
    import psycopg

    db, owner = "retail_orders", "retail_orders_owner"
    bootstrap = database_bootstrap_sql(db, owner)
    for _ in range(2):  # twice: every statement is idempotent
        psql(server, ADMIN, ADMIN_PASSWORD, "postgres", bootstrap, f"owner_password={OWNER_PASSWORD}")
    up = database_migration_sql(MIGRATIONS, "up")
    for _ in range(2):
        psql(server, owner, OWNER_PASSWORD, db, up)

    conninfo = dict(host=server["host"], port=server["port"], user=owner, password=OWNER_PASSWORD, dbname=db)
    with psycopg.connect(**conninfo) as conn:
        row = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (db,)).fetchone()
        assert row == (owner,)
        role = conn.execute("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = %s",
                            (owner,)).fetchone()
        assert role == (False, False, False)
        versions = [r[0] for r in conn.execute(f"SELECT version FROM {MIGRATIONS_TABLE} ORDER BY version")]
        assert versions == ["001_init", "002_status"]
        conn.execute("INSERT INTO orders (total) VALUES (42)")
        assert conn.execute("SELECT status FROM orders").fetchone() == ("new",)
        owner_of_table = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'orders'").fetchone()
        assert owner_of_table == (owner,)
        public = conn.execute("SELECT has_database_privilege('public', %s, 'CONNECT')", (db,)).fetchone()
        assert public == (False,)

    # Another role gets nothing: PUBLIC's CONNECT on the database was revoked.
    psql(server, ADMIN, ADMIN_PASSWORD, "postgres", "CREATE ROLE stranger LOGIN PASSWORD 'x';")
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(host=server["host"], port=server["port"], user="stranger", password="x", dbname=db)

    # down reverts the last migration once, and only once.
    down = database_migration_sql(MIGRATIONS, "down", 1)
    for _ in range(2):
        psql(server, owner, OWNER_PASSWORD, db, down)
    with psycopg.connect(**conninfo) as conn:
        versions = [r[0] for r in conn.execute(f"SELECT version FROM {MIGRATIONS_TABLE} ORDER BY version")]
        assert versions == ["001_init"]
        columns = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders'")}
        assert "status" not in columns


def test_password_rotation_by_rerunning_bootstrap(server):
    import psycopg

    db, owner = "lab_rot", "lab_rot_owner"
    psql(server, ADMIN, ADMIN_PASSWORD, "postgres", database_bootstrap_sql(db, owner), "owner_password=first")
    psql(server, ADMIN, ADMIN_PASSWORD, "postgres", database_bootstrap_sql(db, owner), "owner_password=second")
    psycopg.connect(host=server["host"], port=server["port"], user=owner, password="second", dbname=db).close()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host=server["host"], port=server["port"], user=owner, password="first", dbname=db)


def test_failed_migration_leaves_no_partial_state(server):
    import psycopg

    db, owner = "lab_fail", "lab_fail_owner"
    psql(server, ADMIN, ADMIN_PASSWORD, "postgres", database_bootstrap_sql(db, owner), "owner_password=pw")
    broken = migration_set({"includesInline": {"001_a": "CREATE TABLE a (x int); SELECT * FROM nope"}})
    env = {**os.environ, "PGHOST": server["host"], "PGPORT": str(server["port"]), "PGUSER": owner,
           "PGPASSWORD": "pw"}
    result = subprocess.run(["psql", "-X", "-q", "-d", db, "-f", "-"], input=database_migration_sql(broken),
                            env=env, capture_output=True, text=True)
    assert result.returncode != 0
    with psycopg.connect(host=server["host"], port=server["port"], user=owner, password="pw", dbname=db) as conn:
        assert conn.execute("SELECT to_regclass('public.a')").fetchone() == (None,)
        assert conn.execute(f"SELECT count(*) FROM {MIGRATIONS_TABLE}").fetchone() == (0,)
