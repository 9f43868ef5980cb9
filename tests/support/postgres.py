"""A throwaway REAL PostgreSQL for integration tests: Debian's initdb + pg_ctl on a temp dir and a free
localhost port, as the `postgres` user when the tests run as root. Import `server` into a test module to use it."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

BIN_DIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
ADMIN = "kernel_admin"
ADMIN_PASSWORD = "admin-pw-for-tests"


def _as_postgres() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--"]
    return ["su", "postgres", "-s", "/bin/sh", "-c"]  # pragma: no cover - runuser is in util-linux


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _self_signed(base: Path, prefix: list[str]) -> str:
    """Server options for TLS with a throwaway self-signed certificate ('' without openssl): clients can then
    connect with sslmode=require, as they do to the platform's TLS-only databases."""
    if not shutil.which("openssl"):
        return ""
    cert, key = base / "server.crt", base / "server.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    key.chmod(0o600)
    if prefix:
        shutil.chown(cert, "postgres", "postgres")
        shutil.chown(key, "postgres", "postgres")
    return f"-c ssl=on -c ssl_cert_file={cert} -c ssl_key_file={key}"


@pytest.fixture(scope="module")
def server():
    if not BIN_DIRS or not shutil.which("psql"):
        pytest.skip("PostgreSQL binaries not installed (apt-get install -y postgresql)")
    bindir = BIN_DIRS[0]
    base = Path(tempfile.mkdtemp(prefix="ck-pg-"))
    data = base / "data"
    pwfile = base / "pw"
    pwfile.write_text(ADMIN_PASSWORD + "\n")
    port = _free_port()
    prefix = _as_postgres()
    if prefix:
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    run = lambda args: subprocess.run(prefix + args, check=True, capture_output=True, text=True)  # noqa: E731
    run([f"{bindir}/initdb", "-D", str(data), "-U", ADMIN, "--auth=scram-sha-256", f"--pwfile={pwfile}",
         "--encoding=UTF8", "--locale=C"])
    tls = _self_signed(base, prefix)
    run([f"{bindir}/pg_ctl", "-D", str(data), "-l", str(base / "log"), "-w", "-o",
         # DDL logged, like the managed servers' parameter groups (log_statement = ddl)
         f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c log_statement=ddl {tls}", "start"])
    try:
        yield {"host": "127.0.0.1", "port": port, "admin": ADMIN, "admin_password": ADMIN_PASSWORD,
               "sslmode": "require" if tls else "disable", "log": base / "log"}
    finally:
        subprocess.run(prefix + [f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
