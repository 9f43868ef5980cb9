"""The catalog administrator: bootstraps Lakekeeper and gives each workspace its own project (run in a pod).

Standard library only: the file is mounted from a ConfigMap into a plain python image and run as
`python /opt/catalog-admin/catalog_admin.py`. Every step is idempotent, so the same script runs once at deploy
(Job) and then on a schedule (CronJob) for the workspaces user space creates later.

1. `POST /management/v1/bootstrap {"accept-terms-of-use": true}` with this pod's projected service-account
   token: the caller becomes Lakekeeper's server `admin` (not `operator`: admin creates projects and grants on
   them, which is all the platform needs). A server bootstrapped before answers 400 `CatalogAlreadyBootstrapped`,
   which is success once the account proves it holds the server (it may read the server's assignments); if
   someone else bootstrapped it, that read is refused (403) and the run fails, naming the cause.
2. For every namespace labelled as a workspace whose runner service account exists: Lakekeeper identifies a
   Kubernetes caller by the `uid` of its TokenReview, the service account's UID, as `kubernetes~<uid>`; that
   UID exists only once user space created the account, hence this runtime step. Then:
   - the project `<workspace>` with the id both sides derive (UUIDv5 of the workspace name), 409
     `ProjectIdAlreadyExists` meaning done;
   - the runner provisioned as a Lakekeeper user (`POST /management/v1/user` with its id, `update-if-exists`);
   - the runner granted `create` on that project (not `project_admin`): it may create warehouses there and owns
     what it creates, but cannot grant, delete the project, or see another workspace's project.
A recreated service account gets a new UID and a new grant; the old one names a UID no token can carry again.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any


class AdminError(Exception):
    pass


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


class Api:
    """JSON over HTTP(S) with a bearer token read from a (rotating) projected token file at each call."""

    def __init__(self, base: str, token_file: str, ca_file: str = "") -> None:
        self.base = base.rstrip("/")
        self.token_file = token_file
        self.context = ssl.create_default_context(cafile=ca_file) if ca_file else None

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body, sort_keys=True).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {_read(self.token_file)}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30, context=self.context) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (urllib.error.URLError, OSError) as error:
            raise AdminError(f"{method} {path}: {error}") from None
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")


def _error_type(answer: Any) -> str:
    """The `error.type` of an Iceberg/Lakekeeper error answer."""
    return str(((answer or {}).get("error") or {}).get("type", "")) if isinstance(answer, dict) else ""


def _expect(method: str, path: str, status: int, answer: Any, ok: set[int], ok_types: frozenset[str] = frozenset()) -> None:
    if status in ok or (_error_type(answer) in ok_types):
        return
    raise AdminError(f"{method} {path}: HTTP {status}: {answer}")


def bootstrap(catalog: Api) -> str:
    """Bootstrap, then prove this account holds the server: the first caller wins the bootstrap, and only the
    server's admin or operator may read its assignments (`can_read_assignments` in Lakekeeper's OpenFGA model)."""
    path = "/management/v1/bootstrap"
    status, answer = catalog.call("POST", path, {"accept-terms-of-use": True})
    if 200 <= status < 300:
        done = "bootstrapped: this service account is the server admin"
    else:
        _expect("POST", path, status, answer, set(), frozenset({"CatalogAlreadyBootstrapped"}))
        done = "already bootstrapped"
    path = "/management/v1/permissions/server/assignments"
    status, answer = catalog.call("GET", path)
    if status == 403:
        raise AdminError("the catalog was bootstrapped by another caller: this service account is not its server "
                         "admin (re-install the catalog on a fresh database)")
    _expect("GET", path, status, answer, {200})
    return done


def workspaces(kube: Api, label: str) -> list[str]:
    path = "/api/v1/namespaces?" + urllib.parse.urlencode({"labelSelector": label})
    status, answer = kube.call("GET", path)
    _expect("GET", path, status, answer, {200})
    return sorted(item["metadata"]["name"] for item in answer.get("items") or [])


def runner_user_id(kube: Api, namespace: str, account: str) -> str | None:
    """`kubernetes~<uid>` of the runner account, None while user space has not created it."""
    path = f"/api/v1/namespaces/{urllib.parse.quote(namespace)}/serviceaccounts/{urllib.parse.quote(account)}"
    status, answer = kube.call("GET", path)
    if status == 404:
        return None
    _expect("GET", path, status, answer, {200})
    return f"kubernetes~{answer['metadata']['uid']}"


def grant_workspace(catalog: Api, workspace: str, project_id: str, user_id: str, account: str) -> list[str]:
    done: list[str] = []
    path = "/management/v1/project"
    status, answer = catalog.call("POST", path, {"project-name": workspace, "project-id": project_id})
    _expect("POST", path, status, answer, {200, 201}, frozenset({"ProjectIdAlreadyExists"}))
    if status in (200, 201):
        done.append(f"project {workspace} ({project_id}) created")
    path = "/management/v1/user"
    user = {"id": user_id, "name": f"system:serviceaccount:{workspace}:{account}", "user-type": "application",
            "update-if-exists": True}
    status, answer = catalog.call("POST", path, user)
    _expect("POST", path, status, answer, {200, 201})
    path = f"/management/v1/permissions/project/{project_id}/assignments"
    status, answer = catalog.call("GET", path)
    _expect("GET", path, status, answer, {200})
    grant = {"type": "create", "user": user_id}
    # compare what the grant is (its type and user), not the whole answer: Lakekeeper may add fields
    held = {(a.get("type"), a.get("user")) for a in (answer or {}).get("assignments", []) if isinstance(a, dict)}
    if (grant["type"], grant["user"]) not in held:
        status, answer = catalog.call("POST", path, {"writes": [grant]})
        _expect("POST", path, status, answer, {200, 201, 204})
        done.append(f"{user_id} ({workspace}/{account}) granted create on project {workspace}")
    return done


def run(env: dict[str, str]) -> list[str]:
    catalog = Api(env["CATALOG_URL"], env["CATALOG_TOKEN_FILE"])
    kube = Api(env["KUBERNETES_URL"], env["KUBERNETES_TOKEN_FILE"], env.get("KUBERNETES_CA_FILE", ""))
    namespace = uuid.UUID(env["PROJECT_NAMESPACE"])
    account = env["RUNNER_SERVICE_ACCOUNT"]
    log = [bootstrap(catalog)]
    for workspace in workspaces(kube, env["WORKSPACE_LABEL"]):
        user_id = runner_user_id(kube, workspace, account)
        if user_id is None:
            log.append(f"{workspace}: no service account {account} yet, next run")
            continue
        log += grant_workspace(catalog, workspace, str(uuid.uuid5(namespace, workspace)), user_id, account)
    return log


def main() -> int:
    try:
        for line in run(dict(os.environ)):
            print(line, flush=True)
    except (AdminError, KeyError, OSError, ValueError) as error:
        print(f"catalog-admin: {error}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
