"""Scheduling and limits: PriorityClasses and the ResourceQuota / LimitRange every workspace gets.

Pure functions returning Kubernetes object dicts, no Pulumi import: the core kernel applies the priority
classes, and the user-space compiler calls `workspace_resource_quota` / `workspace_limit_range` for each
workspace namespace (the same templates are also published in `PlatformContext.workspaces`).
"""

from __future__ import annotations

from typing import Any

# Role -> PriorityClass name (the roles are the fields of `context.PriorityClasses`).
PRIORITY_CLASSES: dict[str, str] = {
    "platform_critical": "platform-critical",
    "workspace_default": "workspace-default",
    "batch": "batch",
}

# Values sit well below the built-in system-cluster-critical (2e9) and system-node-critical classes.
_PRIORITY_VALUES: dict[str, int] = {
    "platform_critical": 1_000_000,
    "workspace_default": 1_000,
    "batch": 100,
}

_PRIORITY_DESCRIPTIONS: dict[str, str] = {
    "platform_critical": "Core kernel services (gateway, certificates, secrets, catalog, policy, monitoring).",
    "workspace_default": "Default for workspace pods (Services, Workers, interactive work). Global default.",
    "batch": "Workflows and Spark jobs: scheduled after everything else and never preempt other pods.",
}

# Quota of a workspace namespace (ResourceQuota spec.hard). Generous but bounded; a workspace that
# needs more asks for it in its manifest, the compiler passes overrides.
DEFAULT_WORKSPACE_QUOTA: dict[str, str] = {
    "requests.cpu": "16",
    "requests.memory": "64Gi",
    "limits.cpu": "32",
    "limits.memory": "128Gi",
    "requests.storage": "1Ti",
    "persistentvolumeclaims": "50",
    "pods": "200",
    "services": "50",
    "services.loadbalancers": "0",  # exposure goes through the platform gateway only
    "services.nodeports": "0",
    "secrets": "200",
    "configmaps": "200",
}


def priority_class_objects() -> list[dict[str, Any]]:
    """The three PriorityClasses, as `scheduling.k8s.io/v1` objects."""
    objects = []
    for role, name in PRIORITY_CLASSES.items():
        objects.append(
            {
                "apiVersion": "scheduling.k8s.io/v1",
                "kind": "PriorityClass",
                "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": "cloud-kernel"}},
                "value": _PRIORITY_VALUES[role],
                "globalDefault": role == "workspace_default",
                "preemptionPolicy": "Never" if role == "batch" else "PreemptLowerPriority",
                "description": _PRIORITY_DESCRIPTIONS[role],
            }
        )
    return objects


def workspace_resource_quota_hard(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """ResourceQuota `spec.hard` of a workspace: the defaults with `overrides` applied, keys sorted."""
    hard = {**DEFAULT_WORKSPACE_QUOTA, **(overrides or {})}
    return dict(sorted(hard.items()))


def workspace_limit_range_limits(
    *,
    default_cpu: str = "500m",
    default_memory: str = "512Mi",
    default_request_cpu: str = "100m",
    default_request_memory: str = "128Mi",
    max_cpu: str = "8",
    max_memory: str = "32Gi",
    max_pvc: str = "1Ti",
) -> list[dict[str, Any]]:
    """LimitRange `spec.limits` of a workspace: defaults for containers that set none, and maxima."""
    return [
        {
            "type": "Container",
            "default": {"cpu": default_cpu, "memory": default_memory},
            "defaultRequest": {"cpu": default_request_cpu, "memory": default_request_memory},
            "max": {"cpu": max_cpu, "memory": max_memory},
        },
        {"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}, "max": {"storage": max_pvc}},
    ]


def workspace_resource_quota(
    namespace: str, hard: dict[str, str] | None = None, *, name: str = "workspace-quota"
) -> dict[str, Any]:
    """The ResourceQuota object of one workspace namespace (`hard` defaults to the template)."""
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/part-of": "cloud-kernel"}},
        "spec": {"hard": dict(sorted((hard or workspace_resource_quota_hard()).items()))},
    }


def workspace_limit_range(
    namespace: str, limits: list[dict[str, Any]] | None = None, *, name: str = "workspace-limits"
) -> dict[str, Any]:
    """The LimitRange object of one workspace namespace (`limits` defaults to the template)."""
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/part-of": "cloud-kernel"}},
        "spec": {"limits": limits if limits is not None else workspace_limit_range_limits()},
    }
