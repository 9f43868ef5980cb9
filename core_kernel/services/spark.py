"""The Kubeflow Spark operator (engine of Spark-based stacks), watching every namespace."""

from __future__ import annotations

from typing import Any

import pulumi

from core_kernel import naming
from core_kernel.services.common import (
    PLATFORM_CRITICAL,
    BuildContext,
    apply_monitors,
    container_security_context,
    helm_release,
    k8s_opts,
    monitor_object,
    pod_security_context,
    resources,
)

KEY = "spark"
RELEASE = "spark-operator"


def values(replicas: int, prod: bool) -> dict[str, Any]:
    pdb = {"enable": prod, "minAvailable": 1}
    common = {
        "replicas": replicas,
        "priorityClassName": PLATFORM_CRITICAL,
        "podSecurityContext": pod_security_context(185),
        "securityContext": container_security_context(),
        "podDisruptionBudget": pdb,
    }
    return {
        "fullnameOverride": RELEASE,
        "controller": {
            **common,
            "leaderElection": {"enable": True},
            "resources": resources("100m", "256Mi", "1", "1Gi"),
        },
        "webhook": {**common, "enable": True, "resources": resources("50m", "128Mi", "500m", "512Mi")},
        # SparkApplications in any namespace; workspaces bring their own `spark` service account and RBAC.
        "spark": {"jobNamespaces": [""], "serviceAccount": {"create": False}, "rbac": {"create": False}},
        # Metrics on every pod; the PodMonitor is ours (`pod_monitors`): the chart's fails to render without the
        # monitoring CRDs, so this release would wait for the monitoring release.
        "prometheus": {"metrics": {"enable": True}, "podMonitor": {"create": False}},
    }


def pod_monitors() -> list[dict[str, Any]]:
    """The PodMonitor `prometheus.podMonitor.create` renders at 2.5.2 with our values (prometheus/podmonitor.yaml):
    the chart's selector labels (name and instance: the controller's and the webhook's pods, both serving
    `metrics`), scraped over http every 5 s, the chart's job label (its defaults). The chart makes no metrics
    Service: a PodMonitor needs none."""
    namespace = naming.NAMESPACES[KEY]
    return [monitor_object("PodMonitor", f"{RELEASE}-podmonitor", namespace, {
        "podMetricsEndpoints": [{"interval": "5s", "port": "metrics", "scheme": "http"}],
        "jobLabel": f"{RELEASE}-podmonitor",
        "namespaceSelector": {"matchNames": [namespace]},
        "selector": {"matchLabels": {"app.kubernetes.io/name": RELEASE, "app.kubernetes.io/instance": RELEASE}},
    })]


class Spark(pulumi.ComponentResource):
    def __init__(self, name: str, ctx: BuildContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:Spark", name, None, opts)
        self.release = helm_release(
            f"{name}-release",
            KEY,
            RELEASE,
            naming.NAMESPACES[KEY],
            values(ctx.replicas, ctx.production),
            k8s_opts(self, ctx.contract, ctx.ready(KEY)),
            placement=ctx.placement,
        )
        apply_monitors(self, name, ctx, KEY, self.release, pod_monitors())
        self.register_outputs({"release": self.release.name})
