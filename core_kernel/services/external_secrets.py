"""External Secrets Operator and the ClusterSecretStore of the cloud's secret manager (workload identity)."""

from __future__ import annotations

from typing import Any

import pulumi

from core_kernel import naming
from core_kernel.identities import EXTERNAL_SECRETS_IDENTITY, EXTERNAL_SECRETS_SERVICE_ACCOUNT
from core_kernel.network_policies import WORKSPACE_LABELS
from core_kernel.services.common import (
    PLATFORM_CRITICAL,
    BuildContext,
    apply_monitors,
    apply_object,
    container_security_context,
    helm_release,
    k8s_opts,
    monitor_object,
    pod_security_context,
    resources,
)

KEY = "externalSecrets"
RELEASE = "external-secrets"


def _component(replicas: int, prod: bool, res: dict[str, Any]) -> dict[str, Any]:
    return {
        "replicaCount": replicas,
        "podDisruptionBudget": {"enabled": prod, "minAvailable": 1},
        "resources": res,
        "podSecurityContext": pod_security_context(1000),
        "securityContext": container_security_context(),
        "priorityClassName": PLATFORM_CRITICAL,
    }


# The chart's three metrics Services (controller, webhook, cert-controller), by the labels its templates give
# them (`<component>.selectorLabels` in the chart's _helpers.tpl at 2.9.0), each with a port named `metrics`.
METRICS_COMPONENTS = {"": "external-secrets", "-webhook": "external-secrets-webhook",
                      "-cert-controller": "external-secrets-cert-controller"}


def values(replicas: int, prod: bool, monitoring: bool, annotations: Any) -> dict[str, Any]:
    """The chart's own ServiceMonitors stay off: it renders them only when the monitoring CRDs already exist
    (`renderMode: skipIfMissing`), which would make this release wait for the whole monitoring release. Its
    metrics Services are on instead, and `service_monitors` (our objects, waiting for those CRDs and this release, not the other way round) scrape
    them, so External Secrets, and everything that waits for it, installs in parallel with monitoring."""
    metrics = {"metrics": {"service": {"enabled": monitoring}}}
    return {
        "installCRDs": True,
        **_component(replicas, prod, resources("50m", "128Mi", "500m", "512Mi")),
        **metrics,
        "serviceAccount": {"create": True, "name": EXTERNAL_SECRETS_SERVICE_ACCOUNT, "annotations": annotations},
        "serviceMonitor": {"enabled": False},
        "webhook": {**_component(replicas, prod, resources("20m", "64Mi", "200m", "256Mi")), **metrics},
        "certController": {**_component(replicas, prod, resources("20m", "64Mi", "200m", "256Mi")), **metrics},
    }


def service_monitors() -> list[dict[str, Any]]:
    """One ServiceMonitor per metrics Service of the chart (what its own `serviceMonitor.enabled` would render)."""
    namespace = naming.NAMESPACES[KEY]
    return [monitor_object("ServiceMonitor", f"{RELEASE}{suffix}-metrics", namespace, {
        "selector": {"matchLabels": {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": RELEASE}},
        "namespaceSelector": {"matchNames": [namespace]},
        "endpoints": [{"port": "metrics", "interval": "30s", "scrapeTimeout": "25s"}],
    }) for suffix, name in METRICS_COMPONENTS.items()]


def store_object(provider: Any) -> dict[str, Any]:
    """The ClusterSecretStore; only workspaces and the platform's own namespaces may use it."""
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ClusterSecretStore",
        "metadata": {"name": naming.SECRET_STORE_NAME, "labels": {"app.kubernetes.io/part-of": "cloud-kernel"}},
        "spec": {
            "provider": provider,
            "conditions": [
                {"namespaceSelector": {"matchLabels": dict(WORKSPACE_LABELS)}},
                {"namespaces": sorted({naming.NAMESPACES["platform"], naming.NAMESPACES["catalog"]})},
            ],
        },
    }


class ExternalSecrets(pulumi.ComponentResource):
    def __init__(self, name: str, ctx: BuildContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:ExternalSecrets", name, None, opts)
        self.release = helm_release(
            f"{name}-release",
            KEY,
            RELEASE,
            naming.NAMESPACES[KEY],
            values(ctx.replicas, ctx.production, ctx.monitoring, ctx.identity_annotations(EXTERNAL_SECRETS_IDENTITY)),
            k8s_opts(self, ctx.contract, ctx.ready(KEY)),
            placement=ctx.placement,
        )
        apply_monitors(self, name, ctx, KEY, self.release, service_monitors())
        self.store: pulumi.Resource | None = None
        if ctx.contract.secret_store is None:
            pulumi.log.warn("core kernel: the cloud contract has no secret store; no ClusterSecretStore is created")
        else:
            self.store = apply_object(
                f"{name}-store",
                store_object(ctx.contract.secret_store.provider),
                k8s_opts(self, ctx.contract, [self.release]),
            )
        self.register_outputs({"release": self.release.name, "store": naming.SECRET_STORE_NAME})
