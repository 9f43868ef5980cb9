"""Namespaces of the platform services, with Pod Security Admission labels. Pure, no Pulumi import.

Every namespace enforces the `restricted` Pod Security Standard, except where a component cannot run
restricted; each exception carries its reason here (and is audited/warned at `restricted` anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from core_kernel.addons import ADDON_NAMESPACES, DEVICE_PLUGIN_REASON
from core_kernel.naming import NAMESPACES
from core_kernel.specs import CoreKernelSpec

PSA_VERSION = "v1.35"
PART_OF = {"app.kubernetes.io/part-of": "cloud-kernel"}
SERVICE_LABEL = "cloud-kernel.io/service"
GATEWAY_ACCESS_LABEL = "cloud-kernel.io/gateway-access"

# Node exporter reads the host's /proc and /sys through hostPath, hostNetwork and hostPID: all three are
# forbidden by `baseline` too, so its namespace is `privileged`. It is opt-in (monitoring.nodeExporter) and
# isolated in its own namespace so nothing else can use the exemption.
NODE_EXPORTER_NAMESPACE = "monitoring-node-exporter"
NODE_EXPORTER_REASON = "prometheus-node-exporter needs hostNetwork, hostPID and hostPath mounts of /proc and /sys"


@dataclass(frozen=True)
class PlatformNamespace:
    key: str  # service key (naming.NAMESPACES), "nodeExporter" or a cluster add-on (addons.ADDON_NAMESPACES)
    name: str
    pod_security: Literal["restricted", "baseline", "privileged"] = "restricted"
    reason: str = ""  # why the level is not `restricted`
    gateway_access: bool = False  # HTTPRoutes in it may attach to the platform Gateway


def platform_namespaces(spec: CoreKernelSpec, addons: Sequence[str] = ()) -> list[PlatformNamespace]:
    """The platform namespace, one per enabled service and one per cluster add-on, in a stable order."""
    result = [PlatformNamespace("platform", NAMESPACES["platform"])]
    for key in spec.enabled_services():
        exposed = (key == "workflows" and spec.workflows.expose_ui) or (key == "catalog" and spec.catalog.expose)
        result.append(PlatformNamespace(key, NAMESPACES[key], gateway_access=exposed or key == "gateway"))
    if spec.monitoring.enabled and spec.monitoring.node_exporter:
        result.append(PlatformNamespace("nodeExporter", NODE_EXPORTER_NAMESPACE, "privileged", NODE_EXPORTER_REASON))
    for addon in addons:
        if addon == "nvidiaDevicePlugin":
            result.append(PlatformNamespace(addon, ADDON_NAMESPACES[addon], "privileged", DEVICE_PLUGIN_REASON))
        else:
            result.append(PlatformNamespace(addon, ADDON_NAMESPACES[addon]))
    return result


def namespace_object(ns: PlatformNamespace) -> dict[str, Any]:
    if ns.pod_security != "restricted" and not ns.reason:
        raise ValueError(f"namespace {ns.name} relaxes Pod Security to {ns.pod_security} without a reason")
    labels = {
        **PART_OF,
        SERVICE_LABEL: ns.key,
        "pod-security.kubernetes.io/enforce": ns.pod_security,
        "pod-security.kubernetes.io/enforce-version": PSA_VERSION,
        # Audit and warn at `restricted` everywhere, so a relaxed namespace still reports what it relaxes.
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": PSA_VERSION,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": PSA_VERSION,
    }
    if ns.gateway_access:
        labels[GATEWAY_ACCESS_LABEL] = "true"
    metadata: dict[str, Any] = {"name": ns.name, "labels": dict(sorted(labels.items()))}
    if ns.reason:
        metadata["annotations"] = {"cloud-kernel.io/pod-security-reason": ns.reason}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata}
