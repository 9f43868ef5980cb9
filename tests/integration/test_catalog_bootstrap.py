"""The catalog's database bootstrap Job against a REAL PostgreSQL: its own script and environment (the Job the core
kernel writes), run twice, create Lakekeeper's and OpenFGA's roles and databases, each role owning only its own."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from core_kernel.scram import scram_sha256_verifier
from core_kernel.services.catalog import bootstrap_job
from tests.support.postgres import ADMIN, ADMIN_PASSWORD, server  # noqa: F401 - the fixture

pytestmark = pytest.mark.integration


def run_job(server, secrets: Path, passwords: dict[str, str]) -> None:
    """The Job as its Secrets mount it: the admin's password, each role's SCRAM verifier (never its password)."""
    for folder, password in {"admin": ADMIN_PASSWORD, **passwords}.items():
        (secrets / folder).mkdir(parents=True, exist_ok=True)
        if folder == "admin":
            (secrets / folder / "password").write_text(password, encoding="utf-8")
        else:
            (secrets / folder / "verifier").write_text(scram_sha256_verifier(password, os.urandom(16)), encoding="utf-8")
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


def test_no_role_password_reaches_the_server_log(server, tmp_path: Path) -> None:
    """The managed servers log DDL (and export it to the cloud's log service): the Job sets each role's password
    from its SCRAM verifier, so the log shows the ALTER ROLE but never a password that could log in."""
    passwords = {"catalog": "catalog-log-probe-5d1e", "openfga": "openfga-log-probe-9b2c"}
    run_job(server, tmp_path, passwords)
    log = Path(server["log"]).read_text(encoding="utf-8", errors="replace")
    assert "ALTER ROLE" in log and "SCRAM-SHA-256$4096:" in log  # the statements are logged, with verifiers
    assert all(password not in log for password in passwords.values())
    for user, database in (("iceberg_catalog", "iceberg_catalog"), ("openfga", "openfga")):
        folder = "catalog" if user == "iceberg_catalog" else "openfga"
        with connect(server, user, passwords[folder], database) as conn:  # and the verifier is the password's
            assert conn.execute("SELECT current_user").fetchone() == (user,)
