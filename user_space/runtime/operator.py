"""The kopf wiring of the runtime: which events of which kinds call what in the `Reconciler`.

- every kind of the group, cluster-wide: an index (so the first reconcile already sees every Resource),
  create/update/resume handlers (reconcile), a delete handler (finalizer), a timer (periodic resync: drift
  repair and fresh runtime values);
- the kinds the runtime applies, filtered on its managed-by label: a deleted object, an object changed by
  someone else, a status change of a Deployment/Job/Workflow/CronWorkflow reconciles its Resource again;
- the platform context ConfigMap: a change reconciles everything.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import kopf

from core_kernel.context import CONTEXT_CONFIGMAP, PLATFORM_NAMESPACE, PlatformContext
from user_space.crds import GROUP, VERSION
from user_space.runtime.cluster import Cluster
from user_space.runtime.kinds import FIELD_MANAGER, KINDS, KOPF_PREFIX, MANAGED_BY, OWNER_ANNOTATION, parse_owner_key
from user_space.runtime.reconciler import Body, Failed, Reconciler, Wait

log = logging.getLogger("cloud-kernel-runtime")

#: Kinds the compiler emits that the runtime watches for drift: (group, version, plural, kind).
OWNED = [
    ("", "v1", "configmaps", "ConfigMap"), ("", "v1", "secrets", "Secret"), ("", "v1", "services", "Service"),
    ("", "v1", "serviceaccounts", "ServiceAccount"), ("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
    ("", "v1", "resourcequotas", "ResourceQuota"), ("", "v1", "limitranges", "LimitRange"),
    ("apps", "v1", "deployments", "Deployment"), ("batch", "v1", "jobs", "Job"),
    ("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    ("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget"),
    ("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy"),
    ("rbac.authorization.k8s.io", "v1", "roles", "Role"), ("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
    ("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute"),
    ("gateway.envoyproxy.io", "v1alpha1", "securitypolicies", "SecurityPolicy"),
    ("argoproj.io", "v1alpha1", "workflows", "Workflow"), ("argoproj.io", "v1alpha1", "cronworkflows", "CronWorkflow"),
    ("external-secrets.io", "v1", "externalsecrets", "ExternalSecret"),
    ("monitoring.coreos.com", "v1", "prometheusrules", "PrometheusRule"),
]
#: Kinds whose status changes move a Resource's runtime.
RUNTIME_KINDS = frozenset({"Deployment", "Job", "Workflow", "CronWorkflow"})


class ContextCache:
    """The platform context, read once and refreshed when its ConfigMap changes."""

    def __init__(self, cluster: Cluster, namespace: str = PLATFORM_NAMESPACE):
        self.cluster, self.namespace = cluster, namespace
        self._value: PlatformContext | None = None
        self._loaded = False
        self._lock = threading.Lock()

    def __call__(self) -> PlatformContext | None:
        with self._lock:
            if not self._loaded:
                self._value = self.cluster.platform_context(self.namespace)
                self._loaded = self._value is not None
            return self._value

    def invalidate(self) -> None:
        with self._lock:
            self._loaded = False


def settings(workers: int = 16) -> kopf.OperatorSettings:
    s = kopf.OperatorSettings()
    s.persistence.finalizer = f"{KOPF_PREFIX}/finalizer"
    s.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=KOPF_PREFIX)
    s.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix=KOPF_PREFIX, key="last-handled")
    s.execution.max_workers = workers
    s.posting.level = logging.WARNING
    s.watching.server_timeout = 300
    s.networking.request_timeout = 60
    return s


def _drifted(body: Any, event_type: str) -> bool:
    """Did someone other than the runtime change this object (or did it go), or did its runtime move?"""
    if event_type == "DELETED":
        return True
    if event_type != "MODIFIED":
        return False
    entries = sorted(body.get("metadata", {}).get("managedFields") or [], key=lambda e: e.get("time") or "")
    if not entries:
        return False
    last = entries[-1]
    if last.get("subresource") == "status":
        return body.get("kind") in RUNTIME_KINDS
    return last.get("manager") != FIELD_MANAGER


def _register_resource_kind(registry: kopf.OperatorRegistry, rec: Reconciler, plural: str, resync: float) -> None:
    def index_fn(body: Any, **_: Any) -> dict[str, Any]:
        rec.observe(body)
        return {body["metadata"]["name"]: True}

    def reconcile_fn(body: Any, **_: Any) -> None:
        try:
            rec.reconcile(Body.of(body))
        except Wait as wait:
            raise kopf.TemporaryError(str(wait), delay=wait.delay) from None
        except Failed as exc:
            raise kopf.PermanentError(str(exc)) from None

    def resync_fn(body: Any, **_: Any) -> None:
        try:
            rec.reconcile(Body.of(body))
        except (Wait, Failed):
            pass

    def delete_fn(body: Any, **_: Any) -> None:
        rec.finalize(body)

    def gone_fn(event: dict[str, Any], body: Any, **_: Any) -> None:
        if event.get("type") == "DELETED":
            rec.forget(body)

    args = (GROUP, VERSION, plural)
    index_fn.__name__ = f"index_{plural}"
    kopf.index(*args, registry=registry, id=f"index-{plural}")(index_fn)
    for name, decorator in (("resume", kopf.on.resume), ("create", kopf.on.create), ("update", kopf.on.update)):
        decorator(*args, registry=registry, id=f"reconcile-{name}", backoff=5)(reconcile_fn)
    kopf.on.delete(*args, registry=registry, id="finalize")(delete_fn)
    kopf.on.event(*args, registry=registry, id="gone")(gone_fn)
    kopf.timer(*args, registry=registry, id="resync", interval=resync, initial_delay=resync)(resync_fn)


def _register_owned(registry: kopf.OperatorRegistry, rec: Reconciler) -> None:
    def owned_fn(event: dict[str, Any], body: Any, **_: Any) -> None:
        if not _drifted(body, event.get("type", "")):
            return
        annotations = body.get("metadata", {}).get("annotations") or {}
        key = annotations.get(OWNER_ANNOTATION)
        if key and parse_owner_key(key):
            rec.kick(key)
            return
        labels = body.get("metadata", {}).get("labels") or {}
        ws = labels.get("cloudkernel.io/workspace")
        if ws:  # a workspace-level object: apply the workspace's objects again
            try:
                rec.apply_workspace(ws)
            except Wait:
                pass

    for group, version, plural, _kind in OWNED:
        kopf.on.event(group, version, plural, registry=registry, id="drift",
                      labels={"app.kubernetes.io/managed-by": MANAGED_BY})(owned_fn)


def _register_context(registry: kopf.OperatorRegistry, rec: Reconciler, cache: ContextCache,
                      context_namespace: str) -> None:
    def context_fn(event: dict[str, Any], **_: Any) -> None:
        if event.get("type") in ("ADDED", "MODIFIED", "DELETED"):
            cache.invalidate()
            for key in list(rec.bodies):
                rec.kick(key)

    def in_platform_namespace(namespace: str | None = None, **_: Any) -> bool:
        return namespace == context_namespace

    kopf.on.event("", "v1", "configmaps", registry=registry, id="platform-context",
                  field="metadata.name", value=CONTEXT_CONFIGMAP, when=in_platform_namespace)(context_fn)


def build_registry(rec: Reconciler, cache: ContextCache, resync: float = 300.0,
                   context_namespace: str = PLATFORM_NAMESPACE) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()

    @kopf.on.login(registry=registry)
    def login(**kwargs: Any) -> Any:
        return kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)

    for kind in KINDS.values():
        _register_resource_kind(registry, rec, kind.plural, resync)
    _register_owned(registry, rec)
    _register_context(registry, rec, cache, context_namespace)
    return registry
