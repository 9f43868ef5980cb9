"""The catalog's database bootstrap Job against a REAL PostgreSQL: its own script and environment (the Job the core
kernel writes), run twice, create Lakekeeper's and OpenFGA's roles and databases, each role owning only its own."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from core_kernel.services.catalog import bootstrap_job
from tests.support.postgres import ADMIN, ADMIN_PASSWORD, server  # noqa: F401 - the fixture

pytestmark = pytest.mark.integration


def run_job(server, secrets: Path, passwords: dict[str, str]) -> None:
    for folder, password in {"admin": ADMIN_PASSWORD, **passwords}.items():
        (secrets / folder).mkdir(parents=True, exist_ok=True)
        (secrets / folder / "password").write_text(password, encoding="utf-8")
    container = bootstrap_job(server["host"], str(server["port"]), ADMIN)["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    env.update(SECRETS=str(secrets), HOME=str(secrets), PGSSLMODE=server["sslmode"], PATH=os.environ["PATH"])
    result = subprocess.run(container["command"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def connect(server, user: str, password: str, dbname: str):
    import psycopg

    return psycopg.connect(host=server["host"], port=server["port"], user=user, password=password, dbname=dbname,
                           sslmode=server["sslmode"])


def test_bootstrap_creates_both_databases_idempotently(server, tmp_path: Path) -> None:
    run_job(server, tmp_path, {"catalog": "catalog-pw-1", "openfga": "openfga-pw-1"})
    run_job(server, tmp_path, {"catalog": "catalog-pw-2", "openfga": "openfga pw 'two'"})  # re-asserts passwords

    for user, password, database in (("iceberg_catalog", "catalog-pw-2", "iceberg_catalog"),
                                     ("openfga", "openfga pw 'two'", "openfga")):
        with connect(server, user, password, database) as conn:
            owner = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                                 (database,)).fetchone()
            assert owner == (user,)
            conn.execute("CREATE TABLE migration_probe (id int)")  # what each service's migration needs
            role = conn.execute("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = %s",
                                (user,)).fetchone()
            assert role == (False, False, False)
    import psycopg

    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        connect(server, "openfga", "openfga pw 'two'", "iceberg_catalog")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        connect(server, "openfga", "openfga-pw-1", "openfga")
