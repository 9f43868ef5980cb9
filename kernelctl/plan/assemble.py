"""Turn the raw registrations of a run into the plan: layers, Kubernetes objects and policy results."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kernelctl.plan.recorder import Registration
from kernelctl.plan.simulated.kubernetes import is_kubernetes_object

if TYPE_CHECKING:
    from kernelctl.plan.runner import PlanResult

# The module part of a component type token (`cloud-kernel:<module>:<Entity>`) names its layer.
LAYERS = {
    "aws": "cloud_kernel",
    "gcp": "cloud_kernel",
    "azure": "cloud_kernel",
    "local": "cloud_kernel",
    "cloud": "cloud_kernel",
    "core": "core_kernel",
    "user-space": "user_space",
}
LAYER_ORDER = ["cloud_kernel", "core_kernel", "user_space"]
USER_SPACE_TYPE = "cloud-kernel:user-space:UserSpace"


def layer_of(registration: Registration, by_urn: dict[str, Registration]) -> str | None:
    """The layer of the nearest `cloud-kernel:*` component at or above this resource."""
    current: Registration | None = registration
    while current is not None:
        package, _, rest = current.type.partition(":")
        if package == "cloud-kernel":
            return LAYERS.get(rest.partition(":")[0])
        current = by_urn.get(current.parent) if current.parent else None
    return None


def kubernetes_object(registration: Registration) -> dict[str, Any]:
    """The object a Kubernetes resource asks the API server to hold, as `kubectl get -o yaml` would show it."""
    obj = copy.deepcopy(registration.inputs)
    metadata = obj.setdefault("metadata", {})
    metadata.setdefault("name", registration.name)
    ordered = {"apiVersion": obj.pop("apiVersion", ""), "kind": obj.pop("kind", ""), "metadata": obj.pop("metadata")}
    ordered.update(obj)
    return ordered


def object_key(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    metadata = obj.get("metadata", {})
    return (obj.get("apiVersion", ""), obj.get("kind", ""), metadata.get("namespace", ""), metadata.get("name", ""))


def resource_entry(registration: Registration, layer: str | None) -> dict[str, Any]:
    return {
        "urn": registration.urn,
        "type": registration.type,
        "name": registration.name,
        "parent": registration.parent,
        "custom": registration.custom,
        "provider": registration.provider,
        "inputs": registration.inputs,
        "secret_paths": registration.secret_paths,
        "dependencies": registration.dependencies,
        "protect": registration.protect,
        "retain_on_delete": registration.retain_on_delete,
        "delete_before_replace": registration.delete_before_replace,
        "ignore_changes": registration.ignore_changes,
        "aliases": registration.aliases,
        "layer": layer,
    }


def _same_object(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal desired state, ignoring the server-side fields the simulated API server adds."""

    def desired(obj: dict[str, Any]) -> dict[str, Any]:
        obj = copy.deepcopy(obj)
        for field in ("uid", "resourceVersion"):
            obj.get("metadata", {}).pop(field, None)
        return obj

    return desired(a) == desired(b)


def default_provider_violations(registrations: list[Registration], disabled: list[str]) -> list[str]:
    """Resources that `pulumi up` would refuse: no explicit provider while the stack disables the default one.

    The mock runtime happily creates them, so the plan checks what the engine would."""
    problems = []
    for r in registrations:
        if not r.custom or r.provider or r.type.startswith("pulumi:providers:"):
            continue
        package = r.type.split(":", 1)[0]
        if "*" in disabled or package in disabled:
            problems.append(f"no explicit provider, and the default {package} provider is disabled: {r.urn}")
    return problems


def finish(result: PlanResult, *, root: Path) -> None:
    """Fill the derived parts of a plan: Kubernetes objects, compiled user Resources, policy results."""
    by_urn = {r.urn: r for r in result.registrations}
    result.resources = [resource_entry(r, layer_of(r, by_urn)) for r in result.registrations]
    outside = [e["urn"] for e in result.resources if e["layer"] is None]
    result.warnings += [f"resource outside every layer component: {urn}" for urn in outside]

    result.warnings += default_provider_violations(result.registrations, result.disabled_default_providers)

    objects = [kubernetes_object(r) for r in result.registrations if r.custom and is_kubernetes_object(r.type)]
    if any(r.type == USER_SPACE_TYPE for r in result.registrations):
        # What the runtime will create from the GitOps Resources, compiled against the core kernel's context.
        from user_space.plan_objects import compiled_plan_objects

        managed = {object_key(o): o for o in objects}
        for compiled in compiled_plan_objects(result.config.user_space, objects, root):
            owner = managed.get(object_key(compiled))
            if owner is None:
                objects.append(compiled)
            elif not _same_object(owner, compiled):
                result.warnings.append(
                    "the runtime would rewrite an object Pulumi manages: " + "/".join(object_key(compiled))
                )
    result.kubernetes = sorted(objects, key=object_key)

    from policy.rules import evaluate

    result.policy = sorted(
        evaluate(result.resources, result.config.environment), key=lambda p: (p["rule"], p["urn"], p["message"])
    )
