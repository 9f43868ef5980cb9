"""cert-manager and the platform ClusterIssuer (a private CA by default, or ACME with HTTP-01)."""

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
    k8s_opts,
    pod_security_context,
    resources,
    service_monitor_labels,
)
from core_kernel.specs import CoreKernelSpec

KEY = "certManager"
RELEASE = "cert-manager"
SELF_SIGNED_ISSUER = "platform-selfsigned"
ROOT_CA_SECRET = "platform-root-ca"
ACME_ACCOUNT_SECRET = "platform-acme-account"


def _component(replicas: int, prod: bool, res: dict[str, Any]) -> dict[str, Any]:
    return {
        "replicaCount": replicas,
        "podDisruptionBudget": {"enabled": prod, "minAvailable": 1},
        "resources": res,
        "securityContext": pod_security_context(1000),
        "containerSecurityContext": container_security_context(),
    }


def values(spec: CoreKernelSpec, replicas: int, prod: bool, monitoring: bool) -> dict[str, Any]:
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
        "prometheus": {"enabled": True, "servicemonitor": {"enabled": monitoring, "labels": service_monitor_labels()}},
        "webhook": _component(replicas, prod, resources("20m", "64Mi", "200m", "128Mi")),
        "cainjector": _component(replicas, prod, resources("20m", "128Mi", "200m", "256Mi")),
        "startupapicheck": {
            "resources": resources("10m", "32Mi", "100m", "64Mi"),
            "securityContext": pod_security_context(1000),
            "containerSecurityContext": container_security_context(),
        },
    }


def issuer_objects(spec: CoreKernelSpec) -> list[dict[str, Any]]:
    """The ClusterIssuer `platform` (and, for the private CA, its self-signed root)."""
    issuer = spec.cert_manager.cluster_issuer
    labels = {"app.kubernetes.io/part-of": "cloud-kernel"}
    if issuer.acme is not None:
        return [
            {
                "apiVersion": "cert-manager.io/v1",
                "kind": "ClusterIssuer",
                "metadata": {"name": naming.CLUSTER_ISSUER_NAME, "labels": labels},
                "spec": {
                    "acme": {
                        "email": issuer.acme.email,
                        "server": issuer.acme.server,
                        "privateKeySecretRef": {"name": ACME_ACCOUNT_SECRET},
                        "solvers": [
                            {
                                "http01": {
                                    "gatewayHTTPRoute": {
                                        "parentRefs": [
                                            {
                                                "group": "gateway.networking.k8s.io",
                                                "kind": "Gateway",
                                                "name": naming.GATEWAY_NAME,
                                                "namespace": naming.NAMESPACES["gateway"],
                                                "sectionName": naming.GATEWAY_HTTP_LISTENER,
                                            }
                                        ]
                                    }
                                }
                            }
                        ],
                    }
                },
            }
        ]
    ca = issuer.private_ca
    assert ca is not None  # the spec defaults to a private CA
    return [
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "ClusterIssuer",
            "metadata": {"name": SELF_SIGNED_ISSUER, "labels": labels},
            "spec": {"selfSigned": {}},
        },
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": ROOT_CA_SECRET, "namespace": naming.NAMESPACES[KEY], "labels": labels},
            "spec": {
                "isCA": True,
                "commonName": ca.common_name,
                "secretName": ROOT_CA_SECRET,
                "duration": f"{ca.duration_days * 24}h",
                "privateKey": {"algorithm": "ECDSA", "size": 384, "rotationPolicy": "Always"},
                "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": SELF_SIGNED_ISSUER},
            },
        },
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "ClusterIssuer",
            "metadata": {"name": naming.CLUSTER_ISSUER_NAME, "labels": labels},
            "spec": {"ca": {"secretName": ROOT_CA_SECRET}},
        },
    ]


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
            values(ctx.spec, ctx.replicas, ctx.production, ctx.monitoring),
            k8s_opts(self, ctx.contract, ctx.ready(KEY)),
        )
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
