"""The Kubeflow Spark operator (engine of Spark-based stacks), watching every namespace."""

from __future__ import annotations

from typing import Any

import pulumi

from core_kernel import naming
from core_kernel.services.common import (
    PLATFORM_CRITICAL,
    BuildContext,
    container_security_context,
    helm_release,
    k8s_opts,
    pod_security_context,
    resources,
    service_monitor_labels,
)

KEY = "spark"
RELEASE = "spark-operator"


def values(replicas: int, prod: bool, monitoring: bool) -> dict[str, Any]:
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
        "prometheus": {
            "metrics": {"enable": True},
            "podMonitor": {"create": monitoring, "labels": service_monitor_labels()},
        },
    }


class Spark(pulumi.ComponentResource):
    def __init__(self, name: str, ctx: BuildContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:Spark", name, None, opts)
        self.release = helm_release(
            f"{name}-release",
            KEY,
            RELEASE,
            naming.NAMESPACES[KEY],
            values(ctx.replicas, ctx.production, ctx.monitoring),
            k8s_opts(self, ctx.contract, ctx.ready(KEY)),
            placement=ctx.placement,
        )
        self.register_outputs({"release": self.release.name})
