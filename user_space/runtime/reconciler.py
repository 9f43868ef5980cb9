"""The reconcile loop of one Resource, independent of kopf: validate, wait for dependencies, compile, apply
(server-side, one field manager), prune, run Database migrations, write status. Also what the runtime keeps
in memory: every Resource it has seen (for dependency lookups), who waits for whom, what each workspace needs.

kopf (`user_space.runtime.operator`) calls `observe`/`forget` from its index and event handlers and
`reconcile`/`finalize` from its resource handlers; drift events and dependency wake-ups go through `kick`.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Callable

from core_kernel.context import PlatformContext
from user_space.compiler.common import Res, manifest_view
from user_space.model.errors import ResourceError
from user_space.model.parse import parse_resource
from user_space.runtime import status as st
from user_space.runtime.cluster import Cluster, MissingKind, MissingNamespace, Rejected
from user_space.runtime.dependencies import Known, Ref, references
from user_space.runtime.desired import Desired, Owner, desired, object_key, ref_of
from user_space.runtime.kinds import KINDS, Kind, owner_key
from user_space.runtime.metrics import Metrics

log = logging.getLogger("cloud-kernel-runtime")


class Wait(Exception):
    """Reconcile again later: `reason` is the condition's reason, the message names what is missing."""

    def __init__(self, reason: str, message: str, delay: float = 30.0):
        super().__init__(message)
        self.reason, self.delay = reason, delay


class Failed(Exception):
    """The Resource cannot reconcile as it is (status error) until its spec changes."""


@dataclass(frozen=True)
class Body:
    """What the runtime needs of a custom resource."""

    kind: Kind
    name: str
    namespace: str | None
    uid: str
    generation: int
    spec: dict[str, Any]
    status: dict[str, Any]

    @classmethod
    def of(cls, body: Any) -> Body:
        meta = body.get("metadata") or {}
        kind = next(k for k in KINDS.values() if k.kind == body.get("kind"))
        return cls(kind, meta["name"], meta.get("namespace"), meta.get("uid", ""), int(meta.get("generation") or 0),
                   dict(body.get("spec") or {}), dict(body.get("status") or {}))

    @property
    def key(self) -> str:
        return owner_key(self.kind.type, self.namespace, self.name)

    @property
    def owner(self) -> Owner:
        return Owner(self.kind.type, self.name, self.namespace, self.uid)


class Reconciler:
    def __init__(self, cluster: Cluster, context: Callable[[], PlatformContext | None],
                 migrate: Callable[[Body, Res, PlatformContext], bool] | None = None, workers: int = 8,
                 metrics: Metrics | None = None):
        self.cluster = cluster
        self.metrics = metrics
        self.context = context
        self.migrate = migrate
        self.known = Known([])
        self.bodies: dict[str, Body] = {}
        self.owners: dict[str, Owner] = {}  # resource id -> custom resource
        self.waiting: dict[str, set[Ref]] = {}  # owner key -> what it waits for
        # ws -> the workspace objects applied: the union of what its Resources asked for (never shrinks while
        # the runtime runs; a policy no Resource needs any more stays until the next restart of the runtime).
        self.workspaces: dict[str, dict[tuple, dict[str, Any]]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._queued: set[str] = set()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kick")

    # ----- what exists -----------------------------------------------------------------------------------------
    def observe(self, raw: Any) -> None:
        body = Body.of(raw)
        self.bodies[body.key] = body
        try:
            res = self._res(body)
        except Failed:
            return
        with self._guard:
            self.known.add(res)
            self.owners[res.resource_id] = body.owner
        self._wake(res)

    def forget(self, raw: Any) -> None:
        body = Body.of(raw)
        self.bodies.pop(body.key, None)
        try:
            res = Res(manifest_view(body.spec))
            with self._guard:
                self.known.remove(res)
                self.owners.pop(res.resource_id, None)
        except (KeyError, TypeError):
            pass
        self.waiting.pop(body.key, None)

    def _wake(self, res: Res) -> None:
        """Reconcile, soon, every Resource that was waiting for `res`."""
        for key, refs in list(self.waiting.items()):
            if any(self.known.resolve(ref) is not None and self.known.resolve(ref).resource_id == res.resource_id
                   for ref in refs):
                self.kick(key)

    def kick(self, key: str) -> None:
        """Reconcile the Resource with this owner key in the background (coalesced)."""
        with self._guard:
            if key in self._queued or key not in self.bodies:
                return
            self._queued.add(key)
        self._pool.submit(self._kicked, key)

    def _kicked(self, key: str) -> None:
        with self._guard:
            self._queued.discard(key)
        body = self.bodies.get(key)
        if body is None:
            return
        try:
            self.reconcile(body)
        except (Wait, Failed):
            pass
        except Exception:  # noqa: BLE001 - a background repair: the periodic resync tries again
            log.exception("reconcile of %s failed", key)

    def lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    # ----- one Resource --------------------------------------------------------------------------------------
    def _res(self, body: Body) -> Res:
        try:
            model = parse_resource(body.spec)
        except ResourceError as exc:
            raise Failed("; ".join(f"{e.path or '(spec)'}: {e.message}" for e in exc.errors)) from None
        view = manifest_view(model)
        if view.get("type") != body.kind.type:
            raise Failed(f"spec.type is {view.get('type')!r} but the kind is {body.kind.kind}")
        if body.kind.namespaced and (view.get("workspace") or "public") != body.namespace:
            raise Failed(f"spec.workspace {view.get('workspace')!r} differs from the namespace {body.namespace!r}")
        if view.get("name") != body.name:
            raise Failed(f"spec.name {view.get('name')!r} differs from metadata.name {body.name!r}")
        return Res(view)

    def reconcile(self, body: Body) -> st.Outcome:
        """Bring the cluster to what `body` compiles to, write status; raises Wait or Failed after writing it."""
        started = time.monotonic()
        phase = st.ERROR
        try:
            outcome = self._reconcile_locked(body)
            phase = outcome.phase
            return outcome
        except Wait:
            phase = st.PENDING
            raise
        finally:
            if self.metrics is not None:
                self.metrics.observe(phase, time.monotonic() - started)
                self.metrics.resources = len(self.bodies)

    def _reconcile_locked(self, body: Body) -> st.Outcome:
        with self.lock(body.key):
            latest = self.bodies.get(body.key)
            if latest is not None and latest.uid == body.uid and latest.generation >= body.generation:
                body = latest  # the freshest status (what the last reconcile wrote), for pruning and comparing
            try:
                outcome = self._outcome(body)
            except Wait as wait:
                self._write(body, st.Outcome(st.PENDING, wait.reason, str(wait), body.status.get("objects") or []))
                raise
            except Failed as exc:
                self._write(body, st.Outcome(st.ERROR, getattr(exc, "reason", "Invalid"), str(exc),
                                             body.status.get("objects") or []))
                raise
            self._write(body, outcome)
            return outcome

    def _outcome(self, body: Body) -> st.Outcome:
        res = self._res(body)
        context = self.context()
        if context is None:
            raise Wait("WaitingForPlatformContext", "the core kernel's platform context ConfigMap is not there yet")
        self.known.node_pools = set(context.node_pools)
        with self._guard:
            self.known.add(res)
            self.owners[res.resource_id] = body.owner
        want = desired(res, self.known, context, body.owner, self.owners)
        if want.waits:
            self.waiting[body.key] = set(want.waits)
            raise Wait("WaitingForDependency", "waiting for " + ", ".join(str(r) for r in want.waits))
        self.waiting.pop(body.key, None)
        if want.errors:
            exc = Failed("; ".join(want.errors))
            exc.reason = "CompileFailed"  # type: ignore[attr-defined]
            raise exc
        self._apply_workspaces(want)
        live = self._apply(want)
        self._prune(body, want)
        migrated = self.migrate(body, res, context) if res.type == "database" and self.migrate else None
        runtime = st.runtime_of(res.type, live, datetime.now(timezone.utc), migrated)
        return st.Outcome(st.ACTIVE, "Applied", f"{len(want.owned)} object(s) applied",
                          [ref_of(o) for o in want.owned], runtime, want.unsupported)

    def _apply(self, want: Desired) -> list[dict[str, Any]]:
        live = []
        for obj in want.support + want.owned:
            try:
                result = self.cluster.apply(obj)
            except MissingKind as exc:
                raise Wait("WaitingForAPI", str(exc)) from None
            except MissingNamespace as exc:
                raise Wait("WaitingForNamespace", str(exc)) from None
            except Rejected as exc:
                failed = Failed(str(exc))
                failed.reason = "ApplyFailed"  # type: ignore[attr-defined]
                raise failed from None
            if obj in want.owned:
                live.append(result)
        return live

    def _prune(self, body: Body, want: Desired) -> None:
        keep = {object_key(o) for o in want.owned}
        for ref in body.status.get("objects") or []:
            key = (ref["apiVersion"], ref["kind"], ref.get("namespace") or "", ref["name"])
            if key not in keep:
                log.info("pruning %s %s/%s of %s", ref["kind"], ref.get("namespace", ""), ref["name"], body.key)
                self.cluster.delete(ref["apiVersion"], ref["kind"], ref["name"], ref.get("namespace"))

    def _apply_workspaces(self, want: Desired) -> None:
        """Apply the workspace objects this Resource needs that its workspace does not have yet."""
        by_ws: dict[str, dict[tuple, dict[str, Any]]] = {}
        for o in want.workspace:
            ws = o["metadata"].get("namespace") or o["metadata"]["name"]
            by_ws.setdefault(ws, {})[object_key(o)] = o
        for ws, objects in by_ws.items():
            union = self.workspaces.get(ws, {})
            if all(union.get(k) == o for k, o in objects.items()):
                continue
            with self.lock(f"workspace:{ws}"):
                union = self.workspaces.setdefault(ws, {})
                new = {k: o for k, o in objects.items() if union.get(k) != o}
                self._apply_all(sorted(new.values(), key=lambda o: (o["kind"] != "Namespace", object_key(o))))
                union.update(new)

    def apply_workspace(self, ws: str) -> None:
        """Apply every object of the workspace again (one was deleted or changed by hand)."""
        with self.lock(f"workspace:{ws}"):
            union = self.workspaces.get(ws, {})
            self._apply_all(sorted(union.values(), key=lambda o: (o["kind"] != "Namespace", object_key(o))))

    def _apply_all(self, objects: list[dict[str, Any]]) -> None:
        for obj in objects:
            try:
                self.cluster.apply(obj)
            except MissingKind as exc:
                raise Wait("WaitingForAPI", str(exc)) from None

    def _write(self, body: Body, outcome: st.Outcome) -> None:
        status = st.build_status(outcome, body.generation, body.status, datetime.now(timezone.utc))
        if st.same_status(body.status, status):
            return
        self.cluster.patch_status(body.kind, body.name, body.namespace, status)
        if body.key in self.bodies:
            self.bodies[body.key] = replace(body, status=status)

    # ----- deletion ------------------------------------------------------------------------------------------
    def finalize(self, raw: Any) -> None:
        """Delete what garbage collection cannot (objects in another namespace than their Resource), then
        report `deleted` and forget the Resource; those that depended on it wait again."""
        body = Body.of(raw)
        for ref in body.status.get("objects") or []:
            namespaced_owner = body.namespace is not None
            if namespaced_owner and ref.get("namespace") != body.namespace:
                self.cluster.delete(ref["apiVersion"], ref["kind"], ref["name"], ref.get("namespace"))
        self.cluster.patch_status(body.kind, body.name, body.namespace, {"phase": st.DELETED})
        try:
            res = self._res(body)
        except Failed:
            res = None
        self.forget(raw)
        if res is not None:
            for key, other in list(self.bodies.items()):
                try:
                    if any(self.known.resolve(r) is None and (r.type, r.name) == (res.type, res.name)
                           for r in references(self._res(other))):
                        self.kick(key)
                except Failed:
                    continue

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
