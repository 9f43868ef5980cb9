"""Argo Workflows (engine of the Workflow Resource): controller for every namespace, server behind the gateway."""

from __future__ import annotations

from typing import Any

import pulumi

from core_kernel import naming
from core_kernel.services.common import (
    PLATFORM_CRITICAL,
    BuildContext,
    apply_monitors,
    apply_object,
    container_security_context,
    helm_release,
    http_route,
    k8s_opts,
    monitor_object,
    pod_security_context,
    resources,
)

KEY = "workflows"
RELEASE = "argo-workflows"
CONTROLLER = "workflow-controller"  # the chart's `controller.name`
SERVER_SERVICE = "argo-workflows-server"
SERVER_PORT = 2746
HOST = "argo"


def values(replicas: int, prod: bool) -> dict[str, Any]:
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
            # The metrics Service stays the chart's (gated on metricsConfig alone); the ServiceMonitor is ours
            # (`service_monitors`): the chart renders its own only once the monitoring CRDs exist.
            "metricsConfig": {"enabled": True},
            "serviceMonitor": {"enabled": False},
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


def service_monitors() -> list[dict[str, Any]]:
    """The ServiceMonitor `controller.serviceMonitor.enabled` renders at 1.0.18 with our values
    (controller/workflow-controller-servicemonitor.yaml): on the controller's metrics Service (named, like the
    monitor, `<fullname>-workflow-controller`; port `metrics`, /metrics, every 30 s over http: the chart's
    metricsConfig defaults), which the chart renders whenever `metricsConfig.enabled` is. Labels as the chart's
    less its Helm bookkeeping, with `part-of` ours."""
    namespace = naming.NAMESPACES[KEY]
    name = f"{RELEASE}-{CONTROLLER}"
    return [monitor_object("ServiceMonitor", name, namespace, {
        "endpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s", "honorLabels": False,
                       "scheme": "http"}],
        "namespaceSelector": {"matchNames": [namespace]},
        "selector": {"matchLabels": {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": RELEASE}},
    }, {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/component": CONTROLLER, "app": CONTROLLER})]


class Workflows(pulumi.ComponentResource):
    def __init__(self, name: str, ctx: BuildContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:Workflows", name, None, opts)
        namespace = naming.NAMESPACES[KEY]
        self.release = helm_release(
            f"{name}-release",
            KEY,
            RELEASE,
            namespace,
            values(ctx.replicas, ctx.production),
            k8s_opts(self, ctx.contract, ctx.ready(KEY)),
            placement=ctx.placement,
        )
        apply_monitors(self, name, ctx, KEY, self.release, service_monitors())
        if ctx.spec.workflows.expose_ui and ctx.gateway_release is not None:
            route = http_route("argo-server", namespace, f"{HOST}.{ctx.spec.domain}", SERVER_SERVICE, SERVER_PORT)
            # The HTTPRoute kind comes with the gateway release (Gateway API CRDs); its backend is this release's.
            apply_object(f"{name}-route", route, k8s_opts(self, ctx.contract, [self.release, ctx.gateway_release]))
        self.register_outputs({"release": self.release.name})
