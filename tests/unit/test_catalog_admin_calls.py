"""The catalog's two callers run against a local HTTP server playing Lakekeeper 0.12.0 (and the Kubernetes API):
the platform's catalog-admin script (bootstrap, workspace project, user, grant; idempotent on a second run) and
the Lakehouse warehouse Job's shell script (bearer token from the projected file, the workspace's project)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from core_kernel.context import PlatformContext
from core_kernel.services import catalog_admin
from user_space.compiler import compile_resources

ADMIN_TOKEN = "admin-projected-token"
KUBE_TOKEN = "kube-projected-token"
RUNNER_TOKEN = "runner-projected-token"
RETAIL_UID = "3f9e2a10-0000-4000-8000-000000000001"


class FakeServer:
    """Lakekeeper's management API and the Kubernetes API, with the answers the real ones give (status, error type)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.bootstrapped = False
        self.server_admin: str | None = None  # the Authorization header of whoever bootstrapped
        self.projects: set[str] = set()
        self.assignments: dict[str, list[dict[str, str]]] = {}
        self.warehouse_answers: list[int] = []
        self.warehouses: set[str] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any = None) -> None:
                raw = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                fake.requests.append({"method": self.command, "path": self.path, "body": body,
                                      "headers": {k.lower(): v for k, v in self.headers.items()}})
                self._answer(*fake.route(self.command, self.path, body, self.headers.get("Authorization", ""),
                                         self.headers.get("x-project-id")))

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def _error(status: int, kind: str) -> tuple[int, Any]:
        return status, {"error": {"code": status, "message": kind, "type": kind}}

    def route(self, method: str, path: str, body: Any, auth: str, project: str | None) -> tuple[int, Any]:
        if path.startswith("/api/v1/"):
            if auth != f"Bearer {KUBE_TOKEN}":
                return 401, {"kind": "Status", "code": 401}
            if path == "/api/v1/namespaces?labelSelector=cloud-kernel.io%2Fworkspace%3Dtrue":
                return 200, {"kind": "NamespaceList", "items": [{"metadata": {"name": "retail"}},
                                                                {"metadata": {"name": "fresh"}}]}
            if path == "/api/v1/namespaces/retail/serviceaccounts/dataos-runner":
                return 200, {"kind": "ServiceAccount", "metadata": {"name": "dataos-runner", "uid": RETAIL_UID}}
            return 404, {"kind": "Status", "code": 404}
        if method == "POST" and path == "/management/v1/warehouse":
            status = self.warehouse_answers.pop(0) if self.warehouse_answers else 201
            if status == 201 and body["warehouse-name"] in self.warehouses:
                return self._error(409, "WarehouseAlreadyExists")
            if status == 201:
                self.warehouses.add(body["warehouse-name"])
                return 201, {"warehouse-id": "0192"}
            return self._error(status, "Forbidden")
        if auth != f"Bearer {ADMIN_TOKEN}":
            return self._error(401, "AuthenticationFailed")
        if method == "POST" and path == "/management/v1/bootstrap":
            if self.bootstrapped:
                return self._error(400, "CatalogAlreadyBootstrapped")
            self.bootstrapped, self.server_admin = True, auth
            return 204, None
        if method == "GET" and path == "/management/v1/permissions/server/assignments":
            if auth != self.server_admin:  # only the server's admin may read them
                return self._error(403, "Forbidden")
            return 200, {"assignments": [{"type": "admin", "user": "kubernetes~admin-uid"}]}
        if method == "POST" and path == "/management/v1/project":
            if body["project-id"] in self.projects:
                return self._error(409, "ProjectIdAlreadyExists")
            self.projects.add(body["project-id"])
            return 201, {"project-id": body["project-id"]}
        if method == "POST" and path == "/management/v1/user":
            return 201, {"id": body["id"], "name": body["name"]}
        if path.startswith("/management/v1/permissions/project/") and path.endswith("/assignments"):
            project_id = path.split("/")[5]
            if method == "GET":  # a server may answer more than was written (here: a field of its own)
                held = [{**a, "assigned-by": "server"} for a in self.assignments.get(project_id, [])]
                return 200, {"assignments": held, "project-id": project_id}
            if any(w in self.assignments.get(project_id, []) for w in body["writes"]):
                return self._error(409, "TupleAlreadyExists")  # OpenFGA refuses a duplicate write
            self.assignments.setdefault(project_id, []).extend(body["writes"])
            return 204, None
        return self._error(404, "NotFound")

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def fake():
    server = FakeServer()
    yield server
    server.close()


def _run_admin(fake: FakeServer, tmp_path: Path, token: str = ADMIN_TOKEN) -> subprocess.CompletedProcess:
    (tmp_path / "catalog-token").write_text(token + "\n")
    (tmp_path / "kube-token").write_text(KUBE_TOKEN)
    # The environment the Job's container gets, with the two API addresses and token files pointed here.
    env = {e["name"]: e["value"] for e in catalog_admin.pod_spec()["containers"][0]["env"]}
    env.update(CATALOG_URL=fake.url, CATALOG_TOKEN_FILE=str(tmp_path / "catalog-token"), KUBERNETES_URL=fake.url,
               KUBERNETES_TOKEN_FILE=str(tmp_path / "kube-token"), KUBERNETES_CA_FILE="")
    return subprocess.run([sys.executable, "-I", str(catalog_admin.SCRIPT)], env=env, capture_output=True,
                          text=True, timeout=60)


def test_admin_bootstraps_then_gives_each_workspace_runner_create_on_its_own_project(fake, tmp_path):
    first = _run_admin(fake, tmp_path)
    assert first.returncode == 0, first.stderr
    project = PlatformContext.sample().catalog.project_id("retail")  # the id the warehouse Job sends
    calls = [(r["method"], r["path"], r["body"]) for r in fake.requests if r["path"].startswith("/management")]
    assert calls == [
        ("POST", "/management/v1/bootstrap", {"accept-terms-of-use": True}),
        ("GET", "/management/v1/permissions/server/assignments", None),
        ("POST", "/management/v1/project", {"project-id": project, "project-name": "retail"}),
        ("POST", "/management/v1/user", {"id": f"kubernetes~{RETAIL_UID}", "name":
                                         "system:serviceaccount:retail:dataos-runner", "update-if-exists": True,
                                         "user-type": "application"}),
        ("GET", f"/management/v1/permissions/project/{project}/assignments", None),
        ("POST", f"/management/v1/permissions/project/{project}/assignments",
         {"writes": [{"type": "create", "user": f"kubernetes~{RETAIL_UID}"}]}),
    ]
    management = [r for r in fake.requests if r["path"].startswith("/management")]
    assert {r["headers"]["authorization"] for r in management} == {f"Bearer {ADMIN_TOKEN}"}
    assert all(r["headers"]["content-type"] == "application/json" for r in management if r["method"] == "POST")
    assert "fresh: no service account dataos-runner yet" in first.stdout  # a workspace user space has not finished

    fake.requests.clear()
    second = _run_admin(fake, tmp_path)  # the CronJob's later runs: nothing new, still success
    assert second.returncode == 0, second.stderr
    assert "already bootstrapped" in second.stdout
    assert [(r["method"], r["path"].split("/")[4]) for r in fake.requests if "/assignments" in r["path"]] == [
        ("GET", "server"), ("GET", "project")]  # the admin check, then the grant found in place: no write
    assert fake.assignments[project] == [{"type": "create", "user": f"kubernetes~{RETAIL_UID}"}]


def test_admin_fails_when_another_caller_bootstrapped_the_catalog(fake, tmp_path):
    """The first caller wins the bootstrap: a catalog someone else bootstrapped fails the Job at once, workspaces
    or not, instead of passing as `already bootstrapped`."""
    fake.bootstrapped, fake.server_admin = True, "Bearer a-workspace-pod-token"
    result = _run_admin(fake, tmp_path)
    assert result.returncode == 1
    assert "bootstrapped by another caller" in result.stderr and "Traceback" not in result.stderr
    assert not [r for r in fake.requests if r["path"] == "/management/v1/project"]


def test_admin_fails_plainly_when_the_catalog_refuses_it(fake, tmp_path):
    fake.bootstrapped = True
    result = _run_admin(fake, tmp_path, token="someone-else")
    assert result.returncode == 1
    assert "AuthenticationFailed" in result.stderr and "Traceback" not in result.stderr


WAREHOUSE_LAKEHOUSE = {"name": "lh", "version": "v1alpha", "type": "lakehouse", "workspace": "retail",
                       "lakehouse": {"type": "iceberg", "compute": "runnable-default",
                                     "iceberg": {"storage": {"type": "s3", "s3": {"bucket": "raw"}}}}}


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl, as in the Job's image")
def test_warehouse_job_posts_with_the_runner_token_into_its_workspace_project(fake, tmp_path):
    ctx = PlatformContext.sample()
    objects = compile_resources([WAREHOUSE_LAKEHOUSE], ctx).objects
    (job,) = [o for o in objects if o["kind"] == "Job"]
    (request,) = [o for o in objects if o["kind"] == "ConfigMap" and "warehouse.json" in o.get("data", {})]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    (request_dir := tmp_path / "request").mkdir()
    (request_dir / "warehouse.json").write_text(request["data"]["warehouse.json"])
    (tmp_path / "token").write_text(RUNNER_TOKEN)
    script = container["command"][2].replace("/tmp/", f"{tmp_path}/").replace("@/request/", f"@{request_dir}/")
    env.update(MANAGEMENT_URL=fake.url + "/management/v1/warehouse", TOKEN_FILE=str(tmp_path / "token"),
               RETRY_SECONDS="0", PATH="/usr/bin:/bin")
    fake.warehouse_answers = [403, 404]  # the platform's grant has not landed yet: retried
    first = subprocess.run(["/bin/sh", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert len(fake.requests) == 3
    for call in fake.requests:
        assert (call["method"], call["path"]) == ("POST", "/management/v1/warehouse")
        assert call["headers"]["authorization"] == f"Bearer {RUNNER_TOKEN}"
        assert call["headers"]["x-project-id"] == ctx.catalog.project_id("retail")
        assert call["headers"]["content-type"] == "application/json"
        assert call["body"] == json.loads(request["data"]["warehouse.json"])
    assert not (tmp_path / "auth").exists()  # the header file with the token does not outlive the call
    second = subprocess.run(["/bin/sh", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 0 and "WarehouseAlreadyExists" in second.stdout
    fake.warehouse_answers = [500]
    failed = subprocess.run(["/bin/sh", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1 and "HTTP 500" in failed.stderr
