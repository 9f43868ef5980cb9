"""Bodies of the data developer's verbs against a cluster (dataos-ctl's verbs and flags), wired in kernelctl/cli.py:
`apply`, `get`, `get runtime`, `delete`, `log`. Each raises `ClusterFail` with a readable message; the CLI
prints it and exits 1 (2 for usage).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from user_space.compiler.common import DEFAULT_WORKSPACE, INSTANCE_WORKSPACE, Res
from user_space.compiler.index import Index
from user_space.compiler.workspace import workspace_objects
from user_space.gitops import custom_resource_body, load_manifests
from user_space.runtime.dependencies import Known, references
from user_space.runtime.kinds import KINDS, Kind

FIELD_MANAGER = "kernelctl"
COLUMNS = ("NAME", "VERSION", "TYPE", "WORKSPACE", "STATUS", "RUNTIME", "AGE")


class ClusterFail(Exception):
    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def connect(kubeconfig: str | None):
    """The runtime's cluster access, with unreachable clusters and bad kubeconfigs as readable errors."""
    from kubernetes.config.config_exception import ConfigException

    from user_space.runtime.cluster import Cluster, api_client

    try:
        return Cluster(api_client(kubeconfig), field_manager=FIELD_MANAGER)
    except (ConfigException, OSError) as exc:
        raise ClusterFail(f"cannot load the kubeconfig ({kubeconfig or '$KUBECONFIG or ~/.kube/config'}): {exc}") \
            from None


def guarded(fn, *args, **kwargs):
    """Turn API and connection failures into ClusterFail."""
    import urllib3
    from kubernetes.client.rest import ApiException

    from user_space.runtime.cluster import MissingKind, Rejected

    try:
        return fn(*args, **kwargs)
    except MissingKind as exc:
        raise ClusterFail(f"{exc} (the Resource CRDs: `kernelctl crds | kubectl apply --server-side -f -`)") from None
    except Rejected as exc:
        raise ClusterFail(f"the cluster refused {exc}") from None
    except ApiException as exc:
        raise ClusterFail(f"the cluster answered {exc.status} {exc.reason}") from None
    except urllib3.exceptions.HTTPError as exc:
        raise ClusterFail(f"cannot reach the cluster: {exc}") from None


# ----- apply ---------------------------------------------------------------------------------------------------
def manifest_paths(path: Path, recursive: bool) -> list[Path]:
    if not path.exists():
        raise ClusterFail(f"no such file or folder: {path}", code=2)
    if path.is_file():
        return [path]
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in path.glob(pattern) if p.is_file() and p.suffix in (".yaml", ".yml"))


def load_for_apply(path: Path, recursive: bool, workspace: str | None) -> list[dict[str, Any]]:
    files = manifest_paths(path, recursive)
    if not files:
        raise ClusterFail(f"no manifests (*.yaml, *.yml) in {path}{'' if recursive else ' (use -R for sub-folders)'}",
                          code=2)
    # Each Resource is checked alone: what it references may already be in the cluster, and the runtime waits
    # by name for what is not (status pending, a condition naming it).
    folder = load_manifests(files, references=False)
    if folder.problems:
        raise ClusterFail("invalid Resource manifests, nothing applied:\n" + "\n".join(folder.problems))
    views = []
    for view in folder.views:
        if KINDS[view["type"]].namespaced and not view.get("workspace"):
            view = {**view, "workspace": workspace or DEFAULT_WORKSPACE}
        views.append(view)
    return views


def _ensure_namespace(cluster, workspace: str, seen: set[str]) -> None:
    """A workspace's namespace, as the compiler defines it (Pod Security restricted, the platform's labels)."""
    if workspace in seen:
        return
    seen.add(workspace)
    if cluster.get("v1", "Namespace", workspace) is not None:
        return
    context = cluster.platform_context()
    if context is None:
        raise ClusterFail(f"workspace {workspace!r} does not exist and the platform context is not published "
                          "(is the core kernel installed?)")
    cluster.apply(workspace_objects(Index(context, []), workspace)[0])


def apply_views(cluster, views: list[dict[str, Any]]) -> list[str]:
    """Create or update one custom resource per manifest; one `applying(...)` line each."""
    lines, namespaces = [], set()
    for view in views:
        body = custom_resource_body(view)
        kind = KINDS[view["type"]]
        ns = body["metadata"].get("namespace")
        if ns:
            _ensure_namespace(cluster, ns, namespaces)
        live = cluster.get(kind.api_version, kind.kind, view["name"], ns)
        if live is not None and live.get("spec") == body["spec"]:
            outcome = "unchanged"
        else:
            cluster.apply(body)
            outcome = "created" if live is None else "updated"
        where = f"({ns}) " if ns else " "
        lines.append(f"applying{where}{view['name']}:{view.get('version', '')}:{view['type']}...{outcome}")
    return lines


# ----- get -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Selection:
    type: str | None
    name: str | None
    workspace: str | None
    all_workspaces: bool

    def kinds(self) -> list[Kind]:
        if self.type is None:
            return list(KINDS.values())
        if self.type not in KINDS:
            raise ClusterFail(f"unknown type {self.type!r} (one of: {', '.join(sorted(KINDS))})", code=2)
        return [KINDS[self.type]]

    def namespace(self, kind: Kind) -> str | None:
        if not kind.namespaced or self.all_workspaces:
            return None
        return self.workspace or DEFAULT_WORKSPACE


def select(cluster, sel: Selection) -> list[dict[str, Any]]:
    from user_space.runtime.cluster import MissingKind

    items = []
    for kind in sel.kinds():
        try:
            found = cluster.list(kind.api_version, kind.kind, sel.namespace(kind))
        except MissingKind:
            if sel.type is not None:
                raise
            continue
        items += [i for i in found if sel.name is None or i["metadata"]["name"] == sel.name]
    return sorted(items, key=lambda i: (i["spec"].get("type", ""), i["metadata"].get("namespace") or "",
                                        i["metadata"]["name"]))


def _age(created: str | None, now: datetime) -> str:
    if not created:
        return ""
    then = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    seconds = int((now - then).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def row(item: dict[str, Any], now: datetime) -> dict[str, Any]:
    spec, status, meta = item.get("spec") or {}, item.get("status") or {}, item["metadata"]
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {})
    return {"name": meta["name"], "version": spec.get("version", ""), "type": spec.get("type", ""),
            "workspace": meta.get("namespace") or "", "status": status.get("phase") or "pending",
            "runtime": status.get("runtime") or "", "age": _age(meta.get("creationTimestamp"), now),
            "owner": spec.get("owner") or "", "reason": ready.get("reason", ""), "message": ready.get("message", ""),
            "objects": status.get("objects") or []}


def render_rows(rows: list[dict[str, Any]], output: str) -> str:
    if output == "json":
        return json.dumps(rows, indent=2, sort_keys=True) + "\n"
    if output == "yaml":
        return yaml.safe_dump(rows, sort_keys=True, default_flow_style=False)
    if output != "table":
        raise ClusterFail(f"unknown output {output!r} (table, json, yaml)", code=2)
    table = [COLUMNS] + [tuple(str(r[c.lower()]) for c in COLUMNS) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    return "".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() + "\n" for line in table)


def now() -> datetime:
    return datetime.now(timezone.utc)


# ----- get runtime ----------------------------------------------------------------------------------------------
def runtime_report(cluster, item: dict[str, Any]) -> str:
    """The Resource's status and runtime, then its objects and pods (node phases)."""
    r = row(item, now())
    lines = [f"{r['name']}:{r['version']}:{r['type']}" + (f" in {r['workspace']}" if r["workspace"] else ""),
             f"  status:  {r['status']}" + (f" ({r['reason']}: {r['message']})" if r["reason"] else ""),
             f"  runtime: {r['runtime'] or '-'}", "  objects:"]
    for ref in r["objects"]:
        lines.append(f"    {ref['kind']} {ref.get('namespace', '')}/{ref['name']}".replace(" /", " "))
    pods = resource_pods(cluster, r)
    lines.append("  nodes:" if pods else "  nodes: none")
    for pod in pods:
        phase = (pod.get("status") or {}).get("phase") or "Pending"
        containers = ",".join(c["name"] for c in pod["spec"].get("containers", []))
        lines.append(f"    {pod['metadata']['name']}  {phase.lower()}  containers: {containers}")
    return "\n".join(lines) + "\n"


def resource_pods(cluster, r: dict[str, Any]) -> list[dict[str, Any]]:
    from user_space.compiler.common import label_value

    namespace = r["workspace"] or INSTANCE_WORKSPACE
    selector = f"cloudkernel.io/resource-type={label_value(r['type'])},cloudkernel.io/resource-name={label_value(r['name'])}"
    return sorted(cluster.list("v1", "Pod", namespace, selector), key=lambda p: p["metadata"]["name"])


# ----- delete --------------------------------------------------------------------------------------------------
def dependents(cluster, target: Res) -> list[str]:
    """Resources in the cluster that reference `target` (delete refuses while there are any)."""
    everything = [Res(i["spec"]) for i in select(cluster, Selection(None, None, None, True)) if i.get("spec")]
    known = Known(everything)
    found = []
    for res in everything:
        if res.resource_id == target.resource_id:
            continue
        for ref in references(res):
            hit = known.resolve(ref)
            if hit is not None and hit.resource_id == target.resource_id:
                found.append(res.resource_id)
                break
    return sorted(found)


def delete_one(cluster, kind: Kind, name: str, namespace: str | None, force: bool) -> str:
    live = cluster.get(kind.api_version, kind.kind, name, namespace)
    where = f"({namespace}) " if namespace else " "
    if live is None:
        raise ClusterFail(f"{kind.type} {where}{name} not found")
    users = dependents(cluster, Res(live["spec"]))
    if users and not force:
        raise ClusterFail(f"{kind.type} {where}{name} is used by {', '.join(users)}; delete those first or use --force")
    cluster.delete(kind.api_version, kind.kind, name, namespace)
    return f"deleting{where}{name}:{live['spec'].get('version', '')}:{kind.type}...deleted"


# ----- log -----------------------------------------------------------------------------------------------------
def logs(cluster, r: dict[str, Any], container: str | None, tail: int) -> str:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    pods = resource_pods(cluster, r)
    running = [p for p in pods if (p.get("status") or {}).get("phase") in ("Running", "Succeeded", "Failed")]
    if not running:
        states = ", ".join(f"{p['metadata']['name']} {(p.get('status') or {}).get('phase', 'Pending')}" for p in pods)
        raise ClusterFail(f"no started pod for {r['type']} {r['workspace']}/{r['name']}"
                          + (f" (pods: {states})" if states else " (no pods)"))
    api = client.CoreV1Api(cluster.api)
    out = []
    for pod in running:
        meta = pod["metadata"]
        try:
            text = api.read_namespaced_pod_log(meta["name"], meta["namespace"], container=container, tail_lines=tail)
        except ApiException as exc:
            text = f"(no log: {exc.reason})\n"
        out.append(f"==> {meta['name']} <==\n{text}")
    return "\n".join(out)
