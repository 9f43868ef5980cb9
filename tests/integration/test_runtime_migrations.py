"""The runtime's Database migrations against a REAL PostgreSQL (TLS, sslmode=require): idempotent bootstrap,
one transaction per migration, a crash in the middle of a run, two runners at once, down migrations."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

import psycopg
import pytest

from tests.support.postgres import server  # noqa: F401 - the fixture
from user_space.compiler.database import MIGRATIONS_TABLE, migration_set
from user_space.runtime.migrations import Server, bootstrap, generate_password, migrate

pytestmark = pytest.mark.integration

MIGRATIONS = migration_set({"includesInline": {
    "001_init.up.sql": "CREATE TABLE orders (id bigserial PRIMARY KEY, total bigint NOT NULL);\n"
                       "CREATE TABLE audit (note text NOT NULL);",
    "001_init.down.sql": "DROP TABLE audit; DROP TABLE orders;",
    # Not idempotent on purpose: running it twice would insert two rows.
    "002_seed.up.sql": "INSERT INTO audit (note) VALUES ('seeded'); SELECT pg_sleep(0.5);",
    "002_seed.down.sql": "DELETE FROM audit WHERE note = 'seeded';",
    "003_status.up.sql": "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';",
}})


def _srv(server) -> Server:
    return Server(server["host"], server["port"], server["sslmode"])


def _setup(server, name: str) -> tuple[Server, tuple[str, str], str]:
    srv, password = _srv(server), generate_password()
    db, owner = f"ws_{name}", f"ws_{name}_owner"
    bootstrap(srv, (server["admin"], server["admin_password"]), db, owner, password)
    return srv, (owner, password), db


def _rows(srv: Server, owner, db: str, query: str) -> list[tuple]:
    with srv.connect(*owner, dbname=db) as conn:
        return list(conn.execute(query))


def test_bootstrap_twice_then_migrate_twice_applies_each_once(server):
    srv, owner, db = _setup(server, "twice")
    bootstrap(srv, (server["admin"], server["admin_password"]), db, owner[0], owner[1])  # idempotent
    assert migrate(srv, owner, db, MIGRATIONS) == ["001_init", "002_seed", "003_status"]
    assert migrate(srv, owner, db, MIGRATIONS) == []
    assert _rows(srv, owner, db, f"SELECT version FROM {MIGRATIONS_TABLE} ORDER BY 1") == [
        ("001_init",), ("002_seed",), ("003_status",)]
    assert _rows(srv, owner, db, "SELECT count(*) FROM audit") == [(1,)]
    with srv.connect(*owner, dbname=db) as conn:  # the connection really is TLS when the server offers it
        assert conn.pgconn.ssl_in_use == (server["sslmode"] == "require")


def test_failing_migration_rolls_back_alone_and_keeps_earlier_ones(server):
    srv, owner, db = _setup(server, "fail")
    broken = {**MIGRATIONS, "002_seed": {"up": "INSERT INTO audit (note) VALUES ('half'); SELECT * FROM nope;"}}
    with pytest.raises(psycopg.errors.UndefinedTable):
        migrate(srv, owner, db, broken)
    assert _rows(srv, owner, db, f"SELECT version FROM {MIGRATIONS_TABLE}") == [("001_init",)]
    assert _rows(srv, owner, db, "SELECT count(*) FROM audit") == [(0,)]  # the half-run insert is gone
    assert migrate(srv, owner, db, MIGRATIONS) == ["002_seed", "003_status"]


def _run_and_get_killed(host, port, sslmode, owner, password, db):  # in a child process
    # The server checks for a vanished client every 100 ms (by default only when it next writes to it, here after
    # the 30 s sleep): its transaction is rolled back and its advisory lock freed right after the kill.
    os.environ["PGOPTIONS"] = "-c client_connection_check_interval=100"
    migrate(Server(host, port, sslmode), (owner, password), db,
            {**MIGRATIONS, "002_seed": {"up": "INSERT INTO audit (note) VALUES ('seeded'); SELECT pg_sleep(30);"}})


def test_crash_in_the_middle_loses_nothing(server):
    srv, owner, db = _setup(server, "crash")
    child = multiprocessing.get_context("spawn").Process(
        target=_run_and_get_killed, args=(server["host"], server["port"], server["sslmode"], *owner, db))
    child.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # wait until the child is inside 002 (sleeping in its transaction)
        busy = _rows(srv, owner, db, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' "
                                      "AND pid <> pg_backend_pid()")
        if busy[0][0]:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the child never reached migration 002")
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    time.sleep(0.5)  # the server notices the dead client and rolls its transaction back
    assert _rows(srv, owner, db, f"SELECT version FROM {MIGRATIONS_TABLE}") == [("001_init",)]
    assert _rows(srv, owner, db, "SELECT count(*) FROM audit") == [(0,)]
    assert migrate(srv, owner, db, MIGRATIONS) == ["002_seed", "003_status"]
    assert _rows(srv, owner, db, "SELECT count(*) FROM audit") == [(1,)]


def test_two_runners_at_once_apply_each_migration_once(server):
    srv, owner, db = _setup(server, "race")
    results: list[list[str]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def runner() -> None:
        try:
            barrier.wait()
            results.append(migrate(srv, owner, db, MIGRATIONS))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(results, key=len) == [[], ["001_init", "002_seed", "003_status"]]
    assert _rows(srv, owner, db, "SELECT count(*) FROM audit") == [(1,)]


def test_down_reverts_the_last_steps_once(server):
    srv, owner, db = _setup(server, "down")
    migrate(srv, owner, db, MIGRATIONS)
    # 003 has no down: the last revertible ones are 002, then 001.
    assert migrate(srv, owner, db, MIGRATIONS, command="down", steps=1) == ["002_seed"]
    assert _rows(srv, owner, db, "SELECT count(*) FROM audit") == [(0,)]
    assert _rows(srv, owner, db, f"SELECT version FROM {MIGRATIONS_TABLE} ORDER BY 1") == [
        ("001_init",), ("003_status",)]


def test_owner_cannot_do_what_it_should_not(server):
    srv, owner, db = _setup(server, "least")
    with srv.connect(*owner, dbname="postgres", autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE DATABASE sneaky")
