"""One Resource's desired objects: the pure compiler run on that Resource and what it references, then
marked as the runtime's (labels, owner annotation, ownerReferences where Kubernetes allows them). Pure.

Ownership: an object the compiler annotates with this Resource's id is *owned* (applied, pruned when the
Resource stops compiling to it, deleted with it). Objects copied into the Resource's workspace for it (a
Depot's connection ConfigMap, an Instance Secret's Secret) belong to the Resource they were copied from:
they are applied, not pruned by this Resource. Workspace-level objects (namespace, quota, RBAC, network
policies) have no Resource id: the runtime applies, per workspace, the union of what its Resources need.

A Database's migration Job is not applied: the runtime runs migrations itself (`user_space.runtime.migrations`),
serialized by an advisory lock, which the Job's psql script cannot be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core_kernel.context import PlatformContext
from user_space.compiler import compile_resources
from user_space.compiler.common import RESOURCE_ID_ANNOTATION, Res
from user_space.runtime.dependencies import Known, Ref, compile_set, missing
from user_space.runtime.kinds import KINDS, MANAGED_BY, OWNER_ANNOTATION, owner_key

#: Components of a Database the runtime replaces by running the migrations itself.
MIGRATION_COMPONENTS = frozenset({"migration", "migrations"})


@dataclass(frozen=True)
class Owner:
    """The custom resource holding a Resource: what an ownerReference needs."""

    type: str
    name: str
    namespace: str | None
    uid: str

    @property
    def key(self) -> str:
        return owner_key(self.type, self.namespace, self.name)

    def reference(self) -> dict[str, Any]:
        kind = KINDS[self.type]
        return {"apiVersion": kind.api_version, "kind": kind.kind, "name": self.name, "uid": self.uid,
                "controller": True, "blockOwnerDeletion": True}


@dataclass
class Desired:
    owned: list[dict[str, Any]] = field(default_factory=list)
    support: list[dict[str, Any]] = field(default_factory=list)
    waits: list[Ref] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    #: Namespace, quota, RBAC and network policies of the workspaces these objects live in, as this Resource
    #: needs them; the runtime applies the union over every Resource of a workspace.
    workspace: list[dict[str, Any]] = field(default_factory=list)


def object_key(o: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = o.get("metadata") or {}
    return o["apiVersion"], o["kind"], meta.get("namespace") or "", meta["name"]


def ref_of(o: dict[str, Any]) -> dict[str, str]:
    """How status lists an owned object."""
    meta = o.get("metadata") or {}
    ref = {"apiVersion": o["apiVersion"], "kind": o["kind"], "name": meta["name"]}
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
    return ref


def can_own(owner: Owner, o: dict[str, Any]) -> bool:
    """Kubernetes garbage collection follows an ownerReference only within a namespace, or from a cluster-scoped
    owner; other objects are deleted by the runtime's finalizer."""
    namespace = (o.get("metadata") or {}).get("namespace")
    if owner.namespace is None:
        return True
    return namespace == owner.namespace


def mark(o: dict[str, Any], key: str | None, owner: Owner | None) -> dict[str, Any]:
    """The runtime's label, the owner annotation (`key`) and, where Kubernetes allows it, the ownerReference.
    Copies only what it changes: the compiler returns fresh objects on every call."""
    out = dict(o)
    meta = out["metadata"] = dict(o.get("metadata") or {})
    meta["labels"] = {**(meta.get("labels") or {}), "app.kubernetes.io/managed-by": MANAGED_BY}
    if key is not None:
        meta["annotations"] = {**(meta.get("annotations") or {}), OWNER_ANNOTATION: key}
    if owner is not None and can_own(owner, out):
        meta["ownerReferences"] = [owner.reference()]
    return out


def _is_own(res: Res, o: dict[str, Any]) -> bool:
    rid = ((o.get("metadata") or {}).get("annotations") or {}).get(RESOURCE_ID_ANNOTATION)
    if res.type == "bundle":  # a Bundle owns what its members compile to
        return rid is not None
    return rid == res.resource_id


def _skipped(res: Res, o: dict[str, Any]) -> bool:
    component = ((o.get("metadata") or {}).get("labels") or {}).get("app.kubernetes.io/component")
    return res.type == "database" and component in MIGRATION_COMPONENTS


def desired(res: Res, known: Known, context: PlatformContext, owner: Owner | None,
            owners: dict[str, Owner] | None = None) -> Desired:
    """Compile `res` against `context`; `owners` maps Resource ids to their custom resources (for copies)."""
    out = Desired(waits=missing(res, known))
    if out.waits:
        return out
    result = compile_resources([r.data for r in compile_set(res, known)], context)
    mine = [e for e in result.errors if e.resource_id == res.resource_id]
    out.errors = [e.message for e in mine]
    out.unsupported = [u.reason for u in result.unsupported if u.resource_id == res.resource_id]
    if out.errors:
        return out
    for o in result.objects:
        rid = ((o.get("metadata") or {}).get("annotations") or {}).get(RESOURCE_ID_ANNOTATION)
        if rid is None:
            out.workspace.append(mark(o, None, None))
            continue
        if _skipped(res, o):
            continue
        if _is_own(res, o):
            out.owned.append(mark(o, owner_key(res.type, None if res.instance_level else res.workspace, res.name),
                                  owner))
        elif (o.get("metadata") or {}).get("namespace") == res.workspace:
            # Marked exactly as its own Resource marks it: two appliers, one content, no churn.
            source = (owners or {}).get(rid)
            out.support.append(mark(o, source.key if source else None, source))
    return out
