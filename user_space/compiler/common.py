"""Shared plumbing of the compiler: manifest views, names, labels, diagnostics. Pure, no Pulumi import.

Every compile function works on a *manifest view*: the Resource as a plain JSON mapping with camelCase
keys (what `model_dump(by_alias=True)` gives for a validated model, with the model's defaults filled in).
Working on that view keeps the compiler independent of the model classes' Python attribute names and
lets the operator compile a custom resource's spec the same way.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from core_kernel.context import PlatformContext

DEFAULT_WORKSPACE = "public"
#: Where objects of instance-level Resources live when they need a namespace (Depot registry entries,
#: Instance Secrets, Lakehouse warehouse jobs of instance scope). DataOS runs platform workloads in the
#: `system` workspace; we keep that name for the instance-level records.
INSTANCE_WORKSPACE = "system"

#: Resource types whose objects live in a workspace (the rest are instance-level).
WORKSPACE_TYPES = frozenset(
    {"workflow", "service", "worker", "secret", "database", "cluster", "volume", "resource", "monitor", "pager",
     "lakehouse", "lens"}
)

MANAGED_BY = "cloud-kernel"
LABEL_PREFIX = "cloudkernel.io"
RESOURCE_ID_ANNOTATION = f"{LABEL_PREFIX}/resource-id"

_LABEL_VALUE = re.compile(r"[^A-Za-z0-9_.-]+")


class CompileError(Exception):
    """A Resource that cannot compile in this environment (unknown stack, missing platform service, ...)."""

    def __init__(self, resource_id: str, message: str):
        super().__init__(f"{resource_id}: {message}")
        self.resource_id = resource_id
        self.message = message


@dataclass(frozen=True)
class Unsupported:
    """A Resource (or a part of one) the compiler does not turn into Kubernetes objects yet."""

    resource_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.resource_id}: unsupported: {self.reason}"


@dataclass
class CompileResult:
    objects: list[dict[str, Any]] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
    errors: list[CompileError] = field(default_factory=list)


@dataclass(frozen=True)
class Res:
    """One Resource as the compiler sees it: the manifest view plus its identity."""

    data: dict[str, Any]

    @property
    def type(self) -> str:
        return self.data["type"]

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def version(self) -> str:
        return str(self.data.get("version", ""))

    @property
    def block(self) -> dict[str, Any]:
        return self.data.get(self.type) or {}

    @property
    def instance_level(self) -> bool:
        return self.type not in WORKSPACE_TYPES

    @property
    def workspace(self) -> str:
        """The workspace whose namespace holds this Resource's objects."""
        if self.instance_level:
            return INSTANCE_WORKSPACE
        return self.data.get("workspace") or DEFAULT_WORKSPACE

    @property
    def resource_id(self) -> str:
        ident = f"{self.type}:{self.version}:{self.name}"
        return ident if self.instance_level else f"{ident}:{self.workspace}"

    @property
    def owner(self) -> str:
        return str(self.data.get("owner") or "")


def manifest_view(resource: Any) -> dict[str, Any]:
    """The camelCase JSON mapping of a validated model (or a manifest mapping given as-is)."""
    if isinstance(resource, dict):
        return resource
    dump = getattr(resource, "model_dump", None)
    if dump is None:
        raise TypeError(f"cannot compile {type(resource).__name__}: expected a Resource model or a mapping")
    return dump(mode="json", by_alias=True, exclude_none=True)


def as_res(resource: Any) -> Res:
    if isinstance(resource, Res):
        return resource
    return Res(manifest_view(resource))


# ----- names and labels -----------------------------------------------------------------------------------
def label_value(text: str) -> str:
    """A valid label value (<=63 chars, [A-Za-z0-9_.-], alphanumeric at both ends); long ones keep a hash."""
    value = _LABEL_VALUE.sub("_", text).strip("_.-")
    if len(value) > 63:
        value = value[:54].rstrip("_.-") + "-" + short_hash(text)
    return value


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def dns_name(*parts: str, limit: int = 63) -> str:
    """Join parts into a DNS-1123 label; too long names are cut and suffixed with a stable hash."""
    text = "-".join(p for p in parts if p)
    text = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    if len(text) > limit:
        text = text[: limit - 9].rstrip("-") + "-" + short_hash("-".join(parts))
    return text


def labels(res: Res, component: str | None = None) -> dict[str, str]:
    """The labels every compiled object carries: who it belongs to, of which type, in which workspace."""
    result = {
        "app.kubernetes.io/name": label_value(res.name),
        "app.kubernetes.io/instance": label_value(f"{res.name}-{res.type}"),
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "app.kubernetes.io/part-of": label_value(res.workspace),
        f"{LABEL_PREFIX}/resource-type": label_value(res.type),
        f"{LABEL_PREFIX}/resource-name": label_value(res.name),
        f"{LABEL_PREFIX}/resource-version": label_value(res.version),
        f"{LABEL_PREFIX}/workspace": label_value(res.workspace),
    }
    if res.owner:
        result[f"{LABEL_PREFIX}/owner"] = label_value(res.owner)
    if component:
        result["app.kubernetes.io/component"] = label_value(component)
    return dict(sorted(result.items()))


def selector_labels(res: Res, component: str | None = None) -> dict[str, str]:
    """The immutable subset used in selectors (Deployment, Service, PDB, NetworkPolicy)."""
    result = {
        f"{LABEL_PREFIX}/resource-type": label_value(res.type),
        f"{LABEL_PREFIX}/resource-name": label_value(res.name),
    }
    if component:
        result["app.kubernetes.io/component"] = label_value(component)
    return dict(sorted(result.items()))


def annotations(res: Res) -> dict[str, str]:
    return {RESOURCE_ID_ANNOTATION: res.resource_id}


def metadata(res: Res, name: str, *, namespace: str | None = None, component: str | None = None,
             extra_labels: dict[str, str] | None = None, extra_annotations: dict[str, str] | None = None,
             cluster_scoped: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if not cluster_scoped:
        meta["namespace"] = namespace or res.workspace
    meta["labels"] = dict(sorted({**labels(res, component), **(extra_labels or {})}.items()))
    meta["annotations"] = dict(sorted({**annotations(res), **(extra_annotations or {})}.items()))
    return meta


def obj(api_version: str, kind: str, meta: dict[str, Any], **body: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": meta, **body}


def checkov_skips(reasons: dict[str, str]) -> dict[str, str]:
    """Annotations telling checkov why one of its Kubernetes checks does not apply to this object
    (`checkov.io/skip<N>: CKV_K8S_<n>=reason`); only where the reason is true of this object."""
    return {f"checkov.io/skip{i}": f"{check}={reason}" for i, (check, reason) in enumerate(sorted(reasons.items()), 1)}


def secrets_in_env(container: dict[str, Any]) -> bool:
    """Whether a Secret reaches this container as environment variables."""
    return any("secretRef" in e for e in container.get("envFrom") or []) or any(
        "secretKeyRef" in (e.get("valueFrom") or {}) for e in container.get("env") or [])


class ServiceMissing(CompileError):
    """The Resource needs a platform service (or its configuration) that this environment does not have:
    `kernelctl config validate` reports these from the stack file alone, before any plan."""


def require(ctx_value: Any, res: Res, what: str) -> Any:
    """A platform service the Resource needs; a clear error when it is off in this environment."""
    if ctx_value is None:
        raise ServiceMissing(res.resource_id, f"needs {what}, which is not enabled in this environment's core kernel")
    return ctx_value


def secret_ref_name(ref: Any) -> str:
    return ref if isinstance(ref, str) else ref["name"]


def environment_name(context: PlatformContext) -> str:
    return context.environment
