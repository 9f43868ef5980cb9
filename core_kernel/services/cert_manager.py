"""cert-manager and the platform ClusterIssuer (a private CA by default, or ACME with HTTP-01)."""

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
    k8s_opts,
    monitor_object,
    pod_security_context,
    resources,
)
from core_kernel.specs import CoreKernelSpec

KEY = "certManager"
RELEASE = "cert-manager"
SELF_SIGNED_ISSUER = "platform-selfsigned"
ROOT_CA_SECRET = "platform-root-ca"
ACME_ACCOUNT_SECRET = "platform-acme-account"
INTERNAL_ISSUER = "platform-internal"
INTERNAL_CA_NAME = "Cloud Kernel internal CA"
LABELS = {"app.kubernetes.io/part-of": "cloud-kernel"}


def _component(replicas: int, prod: bool, res: dict[str, Any]) -> dict[str, Any]:
    return {
        "replicaCount": replicas,
        "podDisruptionBudget": {"enabled": prod, "minAvailable": 1},
        "resources": res,
        "securityContext": pod_security_context(1000),
        "containerSecurityContext": container_security_context(),
    }


def values(spec: CoreKernelSpec, replicas: int, prod: bool) -> dict[str, Any]:
    return {
        "crds": {"enabled": True, "keep": True},  # keep: uninstalling never deletes every Certificate
        **_component(replicas, prod, resources("50m", "128Mi", "500m", "512Mi")),
        # The chart reads the priority class of every component from `global` only (its schema is strict).
        "global": {"priorityClassName": PLATFORM_CRITICAL},
        "config": {
            "apiVersion": "controller.config.cert-manager.io/v1alpha1",
            "kind": "ControllerConfiguration",
            "enableGatewayAPI": True,  # HTTP-01 through the platform Gateway
        },
        # The metrics Services stay (the chart gates them on `prometheus.enabled` alone); its ServiceMonitor is
        # ours (`service_monitors`), so this release does not wait for the monitoring CRDs.
        "prometheus": {"enabled": True, "servicemonitor": {"enabled": False}},
        "webhook": _component(replicas, prod, resources("20m", "64Mi", "200m", "128Mi")),
        "cainjector": _component(replicas, prod, resources("20m", "128Mi", "200m", "256Mi")),
        "startupapicheck": {
            "resources": resources("10m", "32Mi", "100m", "64Mi"),
            "securityContext": pod_security_context(1000),
            "containerSecurityContext": container_security_context(),
        },
    }


# The components with a metrics Service (port 9402, container port `http-metrics`): what the chart's
# ServiceMonitor selects at v1.21.1 (`cainjector.name`, `cert-manager.name`: the chart name, our release name too,
# `webhook.name` in _helpers.tpl).
METRICS_COMPONENTS = {"cainjector": "cainjector", "controller": RELEASE, "webhook": "webhook"}


def service_monitors() -> list[dict[str, Any]]:
    """The ServiceMonitor `prometheus.servicemonitor.enabled` renders at v1.21.1 with our values
    (servicemonitor.yaml): one object over the controller, cainjector and webhook metrics Services, which the chart
    renders whenever `prometheus.enabled` is (service.yaml, cainjector-service.yaml, webhook-service.yaml; not
    gated by the ServiceMonitor switch, so they stay the chart's), scraping each pod's `http-metrics` port every
    60 s (the chart's defaults); no namespaceSelector, as in the chart: its own namespace. Its Helm bookkeeping
    labels and `prometheus: default` (no Prometheus of ours selects on it) are left out."""
    namespace = naming.NAMESPACES[KEY]
    return [monitor_object("ServiceMonitor", RELEASE, namespace, {
        "jobLabel": "app.kubernetes.io/name",
        "selector": {"matchExpressions": [
            {"key": "app.kubernetes.io/name", "operator": "In", "values": sorted(METRICS_COMPONENTS.values())},
            {"key": "app.kubernetes.io/instance", "operator": "In", "values": [RELEASE]},
            {"key": "app.kubernetes.io/component", "operator": "In", "values": sorted(METRICS_COMPONENTS)},
        ]},
        "endpoints": [{"targetPort": "http-metrics", "path": "/metrics", "interval": "60s", "scrapeTimeout": "30s",
                       "honorLabels": False}],
    }, {"app": RELEASE, "app.kubernetes.io/name": RELEASE, "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/component": "controller"})]


def internal_issuer(spec: CoreKernelSpec) -> str:
    """The ClusterIssuer of in-cluster service certificates (`<svc>.<ns>.svc`): a public ACME CA never signs
    those, so with ACME a private CA issuer `platform-internal` signs them; otherwise `platform` does."""
    return naming.CLUSTER_ISSUER_NAME if spec.cert_manager.cluster_issuer.acme is None else INTERNAL_ISSUER


def _private_ca(common_name: str, duration_days: int, issuer_name: str) -> list[dict[str, Any]]:
    """A self-signed root certificate and the CA ClusterIssuer `issuer_name` signing with it."""
    return [
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "ClusterIssuer",
            "metadata": {"name": SELF_SIGNED_ISSUER, "labels": LABELS},
            "spec": {"selfSigned": {}},
        },
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": ROOT_CA_SECRET, "namespace": naming.NAMESPACES[KEY], "labels": LABELS},
            "spec": {
                "isCA": True,
                "commonName": common_name,
                "secretName": ROOT_CA_SECRET,
                "duration": f"{duration_days * 24}h",
                "privateKey": {"algorithm": "ECDSA", "size": 384, "rotationPolicy": "Always"},
                "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": SELF_SIGNED_ISSUER},
            },
        },
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "ClusterIssuer",
            "metadata": {"name": issuer_name, "labels": LABELS},
            "spec": {"ca": {"secretName": ROOT_CA_SECRET}},
        },
    ]


def issuer_objects(spec: CoreKernelSpec) -> list[dict[str, Any]]:
    """The ClusterIssuer `platform` last (and the private CA chain it or `platform-internal` signs with)."""
    issuer = spec.cert_manager.cluster_issuer
    if issuer.acme is None:
        ca = issuer.private_ca
        assert ca is not None  # the spec defaults to a private CA
        return _private_ca(ca.common_name, ca.duration_days, naming.CLUSTER_ISSUER_NAME)
    acme = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": {"name": naming.CLUSTER_ISSUER_NAME, "labels": LABELS},
        "spec": {
            "acme": {
                "email": issuer.acme.email,
                "server": issuer.acme.server,
                "privateKeySecretRef": {"name": ACME_ACCOUNT_SECRET},
                "solvers": [{"http01": {"gatewayHTTPRoute": {"parentRefs": [_http_listener()]}}}],
            }
        },
    }
    return [*_private_ca(INTERNAL_CA_NAME, 3650, INTERNAL_ISSUER), acme]


def _http_listener() -> dict[str, Any]:
    return {
        "group": "gateway.networking.k8s.io",
        "kind": "Gateway",
        "name": naming.GATEWAY_NAME,
        "namespace": naming.NAMESPACES["gateway"],
        "sectionName": naming.GATEWAY_HTTP_LISTENER,
    }


class CertManager(pulumi.ComponentResource):
    """cert-manager release plus the `platform` ClusterIssuer every certificate of the platform uses."""

    def __init__(self, name: str, ctx: BuildContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:CertManager", name, None, opts)
        namespace = naming.NAMESPACES[KEY]
        self.release = helm_release(
            f"{name}-release",
            KEY,
            RELEASE,
            namespace,
            values(ctx.spec, ctx.replicas, ctx.production),
            k8s_opts(self, ctx.contract, ctx.ready(KEY)),
            placement=ctx.placement,
        )
        apply_monitors(self, name, ctx, KEY, self.release, service_monitors())
        created: list[pulumi.Resource] = []
        for obj in issuer_objects(ctx.spec):
            created.append(
                apply_object(
                    f"{name}-{obj['kind'].lower()}-{obj['metadata']['name']}",
                    obj,
                    k8s_opts(self, ctx.contract, [self.release, *created]),
                )
            )
        self.cluster_issuer = created[-1]
        self.register_outputs({"release": self.release.name, "clusterIssuer": naming.CLUSTER_ISSUER_NAME})
