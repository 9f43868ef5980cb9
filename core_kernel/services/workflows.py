"""Argo Workflows (engine of the Workflow Resource): controller for every namespace, server behind the gateway."""

from __future__ import annotations

from typing import Any

import pulumi

from core_kernel import naming
from core_kernel.services.common import (
    PLATFORM_CRITICAL,
    BuildContext,
    apply_object,
    container_security_context,
    helm_release,
    http_route,
    k8s_opts,
    pod_security_context,
    resources,
    service_monitor_labels,
)

KEY = "workflows"
RELEASE = "argo-workflows"
SERVER_SERVICE = "argo-workflows-server"
SERVER_PORT = 2746
HOST = "argo"


def values(replicas: int, prod: bool, monitoring: bool) -> dict[str, Any]:
    pdb = {"enabled": prod, "minAvailable": 1}
    return {
        "fullnameOverride": RELEASE,
        "crds": {"install": True, "keep": True},
        "singleNamespace": False,  # Workflows run in workspace namespaces
        # Workspaces bring their own service accounts and RBAC (compiled by user space).
        "workflow": {"serviceAccount": {"create": False}, "rbac": {"create": False}},
        "controller": {
            "replicas": replicas,
            "pdb": pdb,
            "priorityClassName": PLATFORM_CRITICAL,
            "resources": resources("100m", "256Mi", "1", "1Gi"),
            "podSecurityContext": pod_security_context(8737),
            "securityContext": container_security_context(),
            "metricsConfig": {"enabled": True},
            "serviceMonitor": {"enabled": monitoring, "additionalLabels": service_monitor_labels()},
            "workflowDefaults": {
                "spec": {
                    "podGC": {"strategy": "OnPodSuccess"},
                    "ttlStrategy": {"secondsAfterCompletion": 604800},
                    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                }
            },
        },
        "executor": {
            "resources": resources("10m", "64Mi", "500m", "256Mi"),
            "securityContext": container_security_context(),
        },
        "server": {
            "replicas": replicas,
            "pdb": pdb,
            "priorityClassName": PLATFORM_CRITICAL,
            "resources": resources("50m", "128Mi", "500m", "512Mi"),
            "podSecurityContext": pod_security_context(8737),
            "securityContext": container_security_context(),
            "authModes": ["client"],  # bearer tokens only; never `server` (no anonymous admin)
            "secure": False,  # TLS terminates at the platform gateway
        },
    }


class Workflows(pulumi.ComponentResource):
    def __init__(self, name: str, ctx: BuildContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:Workflows", name, None, opts)
        namespace = naming.NAMESPACES[KEY]
        self.release = helm_release(
            f"{name}-release",
            KEY,
            RELEASE,
            namespace,
            values(ctx.replicas, ctx.production, ctx.monitoring),
            k8s_opts(self, ctx.contract, ctx.ready(KEY)),
            placement=ctx.placement,
        )
        if ctx.spec.workflows.expose_ui and ctx.gateway_release is not None:
            route = http_route("argo-server", namespace, f"{HOST}.{ctx.spec.domain}", SERVER_SERVICE, SERVER_PORT)
            apply_object(f"{name}-route", route, k8s_opts(self, ctx.contract, [self.release, ctx.gateway_release]))
        self.register_outputs({"release": self.release.name})
