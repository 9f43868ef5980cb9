"""The user-space compiler: Resources + `PlatformContext` -> Kubernetes objects. Pure: no Pulumi, no I/O
beyond reading the built-in Stack manifests shipped with the package.

- `compile(resources, context) -> list[dict]`: every object, deterministic (input order does not matter,
  objects come out in apply order); raises `CompileFailed` listing every error.
- `compile_resources(resources, context) -> CompileResult`: objects, `Unsupported` diagnostics (Resource
  types or parts not compiled yet, never dropped silently) and errors, for `kernelctl render/validate`.

`resources` are validated models (`user_space.model`) or manifest mappings in the same camelCase form.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable, Iterable

from core_kernel.context import PlatformContext
from user_space.compiler.common import (INSTANCE_WORKSPACE, CompileError, CompileResult, Res, Unsupported, as_res,
                                        dns_name, metadata, obj)
from user_space.compiler.index import Index

__all__ = ["compile", "compile_resources", "CompileError", "CompileFailed", "CompileResult", "Unsupported"]

# Apply order of kinds: namespaces and identities first, workloads last.
KIND_ORDER = ["Namespace", "ResourceQuota", "LimitRange", "ServiceAccount", "Role", "RoleBinding", "NetworkPolicy",
              "Secret", "ExternalSecret", "ConfigMap", "PersistentVolumeClaim", "Service", "Deployment", "Job",
              "Workflow", "CronWorkflow", "HorizontalPodAutoscaler", "PodDisruptionBudget", "HTTPRoute",
              "SecurityPolicy", "PrometheusRule", "AlertmanagerConfig"]

UNSUPPORTED_TYPES = {
    "lens": "Lens (semantic model api/worker/router) is not compiled yet",
    "operator": "Operators (external orchestration over NATS) are not compiled yet",
    "resource": "operator-managed `resource` instances need their Operator, which is not compiled yet",
    "dataplane": "Dataplane is not a documented Resource",
}


class CompileFailed(Exception):
    def __init__(self, errors: list[CompileError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def _compilers() -> dict[str, Callable[[Index, Res], list[dict[str, Any]]]]:
    from user_space.compiler import (cluster, database, depot, lakehouse, monitor, policy, secret, service, volume,
                                     workflow)

    return {
        "workflow": workflow.compile_workflow,
        "service": service.compile_service,
        "worker": service.compile_worker,
        "volume": volume.compile_volume,
        "secret": secret.compile_secret,
        "instance-secret": secret.compile_instance_secret,
        "depot": depot.compile_depot,
        "database": database.compile_database,
        "lakehouse": lakehouse.compile_lakehouse,
        "policy": policy.compile_policy,
        "grant": policy.compile_policy,
        "monitor": monitor.compile_monitor,
        "pager": monitor.compile_pager,
        "cluster": cluster.compile_cluster,
        "compute": _compile_compute,
        "stack": _compile_stack,
    }


def _compile_compute(idx: Index, res: Res) -> list[dict[str, Any]]:
    """A Compute has no objects of its own: runnables get its node pool's selector and tolerations."""
    from user_space.compiler.pods import placement

    placement(idx, res, res.name)
    return []


def _compile_stack(idx: Index, res: Res) -> list[dict[str, Any]]:
    """A Stack has no objects of its own: it joins the registry runnables resolve against."""
    return []


def _unsupported_exceptions() -> tuple[type[Exception], ...]:
    from user_space.compiler.cluster import ClusterUnsupported
    from user_space.compiler.monitor import MonitorUnsupported
    from user_space.compiler.runnable import UnsupportedRunnable

    return (ClusterUnsupported, MonitorUnsupported, UnsupportedRunnable)


def _expand_bundles(items: list[Res]) -> tuple[list[Res], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Bundle members become Resources of their own; returns (resources, member annotations, bundle workspaces)."""
    from user_space.model.parse import parse_resource

    out: list[Res] = []
    member_notes: dict[str, dict[str, Any]] = {}
    workspaces: dict[str, dict[str, Any]] = {}
    for res in items:
        out.append(res)
        if res.type != "bundle":
            continue
        block = res.block
        for ws in block.get("workspaces") or []:
            workspaces[ws["name"]] = {"bundle": res.name, "labels": ws.get("labels") or {}, "layer": ws.get("layer")}
        order = _topological([e["id"] for e in block.get("resources") or []],
                             {e["id"]: _deps(e) for e in block.get("resources") or []})
        for entry in block.get("resources") or []:
            spec = entry.get("spec")
            if spec is None:
                continue
            try:
                member = as_res(parse_resource(spec))
            except Exception:  # noqa: BLE001 - the model validated it already; a plain mapping is fine too
                member = as_res(spec)
            data = copy.deepcopy(member.data)
            if entry.get("workspace") and not member.instance_level:
                data["workspace"] = entry["workspace"]
            member = Res(data)
            out.append(member)
            member_notes[member.resource_id] = {
                "cloudkernel.io/bundle": res.name,
                "cloudkernel.io/bundle-member": entry["id"],
                "cloudkernel.io/bundle-order": str(order.index(entry["id"])),
                "cloudkernel.io/depends-on": ",".join(sorted(_deps(entry))),
            }
    return out, member_notes, workspaces


def _deps(entry: dict[str, Any]) -> set[str]:
    return set(entry.get("dependencies") or []) | {c["resourceId"] for c in entry.get("dependencyConditions") or []}


def _topological(ids: list[str], deps: dict[str, set[str]]) -> list[str]:
    done: list[str] = []
    pending = list(ids)
    while pending:
        ready = [i for i in pending if deps.get(i, set()) <= set(done)]
        if not ready:  # a cycle: the model rejects these; keep the rest in declaration order
            ready = pending[:1]
        done.append(ready[0])
        pending.remove(ready[0])
    return done


def _bundle_record(res: Res) -> dict[str, Any]:
    import json

    block = res.block
    entries = block.get("resources") or []
    order = _topological([e["id"] for e in entries], {e["id"]: _deps(e) for e in entries})
    record = {"bundle": res.resource_id, "order": order,
              "resources": [{"id": e["id"], "workspace": e.get("workspace"),
                             "resource": (e.get("spec") or {}).get("name"), "type": (e.get("spec") or {}).get("type"),
                             "dependencies": sorted(_deps(e)),
                             "dependencyConditions": e.get("dependencyConditions") or []} for e in entries],
              "schedule": block.get("schedule")}
    return obj("v1", "ConfigMap", metadata(res, dns_name("bundle", res.name), namespace=INSTANCE_WORKSPACE,
                                           component="bundle"),
               data={"bundle.json": json.dumps(record, sort_keys=True, indent=2)})


def _key(o: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = o.get("metadata", {})
    return (o.get("apiVersion", ""), o.get("kind", ""), meta.get("namespace", ""), meta.get("name", ""))


def _sort_key(o: dict[str, Any]) -> tuple:
    kind = o.get("kind", "")
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    meta = o.get("metadata", {})
    return (rank, meta.get("namespace", ""), kind, meta.get("name", ""))


def declared_workspaces(resources: Iterable[Any]) -> list[str]:
    """Every workspace these Resources need a namespace for, bundle members and bundle workspaces included,
    plus the instance-level one. Needs no context: the layers below provision namespaces and identities
    from it before the platform context exists."""
    items, _, bundle_workspaces = _expand_bundles([as_res(r) for r in resources])
    return sorted({res.workspace for res in items} | set(bundle_workspaces) | {INSTANCE_WORKSPACE})


def compile_resources(resources: Iterable[Any], context: PlatformContext) -> CompileResult:
    items = sorted((as_res(r) for r in resources), key=lambda r: (r.type, r.workspace, r.name))
    items, member_notes, bundle_workspaces = _expand_bundles(items)
    result = CompileResult()
    idx = Index(context, items)
    compilers = _compilers()
    unsupported_exc = _unsupported_exceptions()
    seen: set[str] = set()
    objects: list[dict[str, Any]] = []
    for res in items:
        if res.resource_id in seen:
            continue
        seen.add(res.resource_id)
        if res.type in UNSUPPORTED_TYPES:
            result.unsupported.append(Unsupported(res.resource_id, UNSUPPORTED_TYPES[res.type]))
            continue
        if res.type == "bundle":
            objects.append(_bundle_record(res))
            continue
        fn = compilers.get(res.type)
        if fn is None:
            result.unsupported.append(Unsupported(res.resource_id, f"no compiler for type {res.type!r}"))
            continue
        try:
            produced = fn(idx, res)
        except CompileError as exc:
            result.errors.append(exc)
            continue
        except unsupported_exc as exc:
            result.unsupported.append(Unsupported(res.resource_id, str(exc)))
            continue
        except KeyError as exc:
            result.errors.append(CompileError(res.resource_id, f"missing field {exc}"))
            continue
        notes = member_notes.get(res.resource_id)
        for o in produced:
            if notes:
                o["metadata"].setdefault("annotations", {}).update(notes)
                o["metadata"]["annotations"] = dict(sorted(o["metadata"]["annotations"].items()))
        objects.extend(produced)
    from user_space.compiler.depot import imported_depots
    from user_space.compiler.pods import add_identity_pod_labels
    from user_space.compiler.secret import imported_instance_secrets
    from user_space.compiler.workspace import workspace_objects

    # JSON round trip: plain, unshared values (no aliasing between objects, JSON-safe for plan.json).
    objects = [json.loads(json.dumps(o)) for o in objects]
    add_identity_pod_labels(objects, context)
    objects += imported_depots(idx)
    objects += imported_instance_secrets(idx)
    namespaces = {o["metadata"].get("namespace") for o in objects} - {None}
    platform = set(context.namespaces.values()) | {context.platform_namespace}
    for ws in sorted((namespaces - platform) | set(bundle_workspaces)):
        extra = {}
        if ws in bundle_workspaces:
            extra = {"cloudkernel.io/bundle": bundle_workspaces[ws]["bundle"], **bundle_workspaces[ws]["labels"]}
        objects += workspace_objects(idx, ws, extra)
    result.unsupported += idx.notes
    by_key: dict[tuple, dict[str, Any]] = {}
    for o in objects:
        key = _key(o)
        if key in by_key and by_key[key] != o:
            result.errors.append(CompileError(o["metadata"].get("annotations", {}).get("cloudkernel.io/resource-id", "?"),
                                              f"two Resources compile to the same object {key[1]} "
                                              f"{key[2]}/{key[3]}"))
            continue
        by_key[key] = o
    result.objects = sorted(by_key.values(), key=_sort_key)
    result.unsupported = sorted(set(result.unsupported), key=lambda u: (u.resource_id, u.reason))
    result.errors.sort(key=lambda e: str(e))
    return result


def compile(resources: Iterable[Any], context: PlatformContext) -> list[dict[str, Any]]:  # noqa: A001
    result = compile_resources(resources, context)
    if result.errors:
        raise CompileFailed(result.errors)
    return result.objects
