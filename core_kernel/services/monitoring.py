"""kube-prometheus-stack: Prometheus, Alertmanager and the operator (backend of Monitor and Pager)."""

from __future__ import annotations

from typing import Any

import pulumi

from core_kernel import naming
from core_kernel.namespaces import NODE_EXPORTER_NAMESPACE
from core_kernel.services.common import (
    PLATFORM_CRITICAL,
    BuildContext,
    container_security_context,
    helm_release,
    k8s_opts,
    pod_security_context,
    resources,
)
from core_kernel.specs import CoreKernelSpec

KEY = "monitoring"

# Control-plane components a managed Kubernetes service (EKS, GKE, AKS) runs out of the cluster's reach: no pod can
# scrape them, so their ServiceMonitors and alert rules would only ever raise `...Down` alerts. kube-proxy is
# listed too: the managed add-ons bind its metrics to 127.0.0.1. Clouds not listed (local) keep all of them.
UNREACHABLE_COMPONENTS: dict[str, tuple[str, ...]] = {
    "aws": ("kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"),
    "gcp": ("kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"),
    "azure": ("kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"),
}
# Component -> the `defaultRules.rules` switches of its recording and alerting rules.
COMPONENT_RULES: dict[str, tuple[str, ...]] = {
    "kubeControllerManager": ("kubeControllerManager",),
    "kubeScheduler": ("kubeSchedulerAlerting", "kubeSchedulerRecording"),
    "kubeEtcd": ("etcd",),
    "kubeProxy": ("kubeProxy",),
}


def control_plane_values(cloud: str) -> dict[str, Any]:
    """Switch off the scrapes and rules of the components this cloud's control plane keeps out of reach."""
    hidden = UNREACHABLE_COMPONENTS.get(cloud, ())
    values: dict[str, Any] = {component: {"enabled": False} for component in hidden}
    rules = {rule: False for component in hidden for rule in COMPONENT_RULES[component]}
    values["defaultRules"] = {"create": True, **({"rules": rules} if rules else {})}
    return values


def values(spec: CoreKernelSpec, replicas: int, prod: bool, storage_class: str, cloud: str) -> dict[str, Any]:
    selector = {"matchLabels": dict(naming.MONITORING_SELECTOR_LABELS)}
    mon = spec.monitoring
    pdb = {"enabled": prod, "minAvailable": 1}
    return {
        "crds": {"enabled": True},
        "fullnameOverride": naming.MONITORING_RELEASE,
        **control_plane_values(cloud),
        "prometheusOperator": {
            "priorityClassName": PLATFORM_CRITICAL,
            "resources": resources("100m", "128Mi", "500m", "512Mi"),
            "securityContext": pod_security_context(65534),
            "containerSecurityContext": container_security_context(),
            "admissionWebhooks": {
                "patch": {
                    "resources": resources("10m", "32Mi", "100m", "64Mi"),
                    "securityContext": pod_security_context(2000),
                }
            },
        },
        "prometheus": {
            "podDisruptionBudget": pdb,
            "prometheusSpec": {
                "replicas": replicas,
                "priorityClassName": PLATFORM_CRITICAL,
                "retention": mon.retention,
                "resources": resources("500m", "2Gi", "2", "8Gi"),
                "securityContext": pod_security_context(1000),
                "storageSpec": {
                    "volumeClaimTemplate": {
                        "spec": {
                            "storageClassName": storage_class,
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": f"{mon.storage_gb}Gi"}},
                        }
                    }
                },
                # Monitor Resources in any namespace are picked up by the release label.
                "ruleSelector": selector,
                "ruleNamespaceSelector": {},
                "serviceMonitorSelector": selector,
                "serviceMonitorNamespaceSelector": {},
                "podMonitorSelector": selector,
                "podMonitorNamespaceSelector": {},
            },
        },
        "alertmanager": {
            "podDisruptionBudget": pdb,
            "alertmanagerSpec": {
                "replicas": replicas,
                "priorityClassName": PLATFORM_CRITICAL,
                "resources": resources("50m", "128Mi", "500m", "256Mi"),
                "securityContext": pod_security_context(1000),
                # Pager Resources (AlertmanagerConfig) from any namespace, scoped to their namespace.
                "alertmanagerConfigSelector": selector,
                "alertmanagerConfigNamespaceSelector": {},
                "alertmanagerConfigMatcherStrategy": {"type": "OnNamespace"},
                "storage": {
                    "volumeClaimTemplate": {
                        "spec": {
                            "storageClassName": storage_class,
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": "5Gi"}},
                        }
                    }
                },
            },
        },
        "kube-state-metrics": {
            "resources": resources("50m", "128Mi", "500m", "512Mi"),
            "securityContext": pod_security_context(65534),
            "containerSecurityContext": container_security_context(),
        },
        "grafana": {
            "enabled": mon.grafana,
            "replicas": replicas,
            "initChownData": {"enabled": False},  # runs as root: not allowed under `restricted`
            "resources": resources("100m", "256Mi", "500m", "512Mi"),
            "securityContext": pod_security_context(472),
            "containerSecurityContext": container_security_context(),
        },
        "nodeExporter": {"enabled": mon.node_exporter},
        "prometheus-node-exporter": {
            "namespaceOverride": NODE_EXPORTER_NAMESPACE,
            "resources": resources("20m", "32Mi", "200m", "128Mi"),
        },
    }


class Monitoring(pulumi.ComponentResource):
    def __init__(self, name: str, ctx: BuildContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:Monitoring", name, None, opts)
        deps = ctx.ready(KEY)
        if ctx.spec.monitoring.node_exporter:
            deps = deps + ctx.namespace_ready.get("nodeExporter", [])
        self.release = helm_release(
            f"{name}-release",
            KEY,
            naming.MONITORING_RELEASE,
            naming.NAMESPACES[KEY],
            values(ctx.spec, ctx.replicas, ctx.production, ctx.contract.default_storage_class, ctx.contract.cloud),
            k8s_opts(self, ctx.contract, deps),
            placement=ctx.placement,
        )
        self.register_outputs({"release": self.release.name})
