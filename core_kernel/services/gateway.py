"""Envoy Gateway: the controller, an EnvoyProxy template, the GatewayClass and the platform Gateway for
`<domain>` (workspace routes) and `*.<domain>` (platform UIs), with its TLS certificate from the `platform` ClusterIssuer."""

from __future__ import annotations

from typing import Any

import pulumi

from core_kernel import naming
from core_kernel.namespaces import GATEWAY_ACCESS_LABEL
from core_kernel.services.common import (
    PLATFORM_CRITICAL,
    BuildContext,
    apply_object,
    container_security_context,
    helm_release,
    k8s_opts,
    pod_security_context,
    resources,
)
from core_kernel.specs import CoreKernelSpec

KEY = "gateway"
RELEASE = "envoy-gateway"
CONTROLLER_NAME = "gateway.envoyproxy.io/gatewayclass-controller"
ENVOY_PROXY = "platform-proxy"
LABELS = {"app.kubernetes.io/part-of": "cloud-kernel"}

# Load-balancer annotations per cloud: (internal, internet-facing). The core kernel stays cloud-neutral
# except for this table of well-known Service annotations.
LOAD_BALANCER_ANNOTATIONS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "aws": (
        {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
         "service.beta.kubernetes.io/aws-load-balancer-type": "external",
         "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip"},
        {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
         "service.beta.kubernetes.io/aws-load-balancer-type": "external",
         "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip"},
    ),
    "gcp": ({"networking.gke.io/load-balancer-type": "Internal"}, {}),
    "azure": ({"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}, {}),
    "local": ({}, {}),  # whatever load balancer the existing cluster has (MetalLB, k3d's, none)
}


def values(replicas: int, prod: bool) -> dict[str, Any]:
    return {
        "deployment": {
            "replicas": replicas,
            "priorityClassName": PLATFORM_CRITICAL,
            "envoyGateway": {
                "resources": resources("100m", "256Mi", "1", "1Gi"),
                "securityContext": container_security_context(),
            },
            "pod": {"securityContext": pod_security_context(65532)},
        },
        "podDisruptionBudget": {"minAvailable": 1} if prod else {},
        "config": {
            "envoyGateway": {
                "gateway": {"controllerName": CONTROLLER_NAME},
                "provider": {"type": "Kubernetes"},
                "logging": {"level": {"default": "info"}},
            }
        },
    }


def gateway_objects(
    spec: CoreKernelSpec, cloud: str, replicas: int, prod: bool, placement: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """EnvoyProxy, GatewayClass, Certificate, Gateway and the HTTP->HTTPS redirect, in apply order."""
    namespace = naming.NAMESPACES[KEY]
    internal, public = LOAD_BALANCER_ANNOTATIONS.get(cloud, ({}, {}))
    kubernetes: dict[str, Any] = {
        "envoyDeployment": {
            "replicas": replicas,
            "pod": {"securityContext": pod_security_context(65532), **(placement or {})},
            "container": {
                "resources": resources("200m", "256Mi", "2", "1Gi"),
                "securityContext": container_security_context(),
            },
        },
        "envoyService": {"annotations": dict(public if spec.gateway.public else internal)},
    }
    if prod:
        kubernetes["envoyPDB"] = {"minAvailable": 1}
    dns_names = spec.certificate_names()
    return [
        {
            "apiVersion": "gateway.envoyproxy.io/v1alpha1",
            "kind": "EnvoyProxy",
            "metadata": {"name": ENVOY_PROXY, "namespace": namespace, "labels": LABELS},
            "spec": {"provider": {"type": "Kubernetes", "kubernetes": kubernetes}},
        },
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "GatewayClass",
            "metadata": {"name": naming.GATEWAY_CLASS_NAME, "labels": LABELS},
            "spec": {
                "controllerName": CONTROLLER_NAME,
                "parametersRef": {
                    "group": "gateway.envoyproxy.io",
                    "kind": "EnvoyProxy",
                    "name": ENVOY_PROXY,
                    "namespace": namespace,
                },
            },
        },
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": naming.GATEWAY_TLS_SECRET, "namespace": namespace, "labels": LABELS},
            "spec": {
                "secretName": naming.GATEWAY_TLS_SECRET,
                "dnsNames": dns_names,
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": naming.CLUSTER_ISSUER_NAME},
            },
        },
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "Gateway",
            "metadata": {"name": naming.GATEWAY_NAME, "namespace": namespace, "labels": LABELS},
            "spec": {
                "gatewayClassName": naming.GATEWAY_CLASS_NAME,
                "listeners": [
                    {
                        # Plain HTTP only redirects to HTTPS (and serves ACME HTTP-01 challenges).
                        "name": naming.GATEWAY_HTTP_LISTENER,
                        "protocol": "HTTP",
                        "port": 80,
                        "allowedRoutes": {"namespaces": {"from": "Same"}},
                    },
                    # Two HTTPS listeners with the one certificate: a wildcard listener hostname never
                    # matches the bare domain, and workspace routes live on `<domain>/<path>`.
                    *(
                        {
                            "name": listener,
                            "protocol": "HTTPS",
                            "port": 443,
                            "hostname": hostname,
                            "tls": {
                                "mode": "Terminate",
                                "certificateRefs": [{"group": "", "kind": "Secret", "name": naming.GATEWAY_TLS_SECRET}],
                            },
                            # Only namespaces the platform marks may attach routes (no hostname hijacking).
                            "allowedRoutes": {
                                "namespaces": {
                                    "from": "Selector",
                                    "selector": {"matchLabels": {GATEWAY_ACCESS_LABEL: "true"}},
                                }
                            },
                        }
                        for listener, hostname in (
                            (naming.GATEWAY_HTTPS_LISTENER, spec.domain),
                            (naming.GATEWAY_HOSTS_LISTENER, f"*.{spec.domain}"),
                        )
                    ),
                ],
            },
        },
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": {"name": "https-redirect", "namespace": namespace, "labels": LABELS},
            "spec": {
                "parentRefs": [
                    {
                        "group": "gateway.networking.k8s.io",
                        "kind": "Gateway",
                        "name": naming.GATEWAY_NAME,
                        "sectionName": naming.GATEWAY_HTTP_LISTENER,
                    }
                ],
                "rules": [{"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]}],
            },
        },
    ]


class Gateway(pulumi.ComponentResource):
    def __init__(self, name: str, ctx: BuildContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:Gateway", name, None, opts)
        self.release = helm_release(
            f"{name}-release",
            KEY,
            RELEASE,
            naming.NAMESPACES[KEY],
            values(ctx.replicas, ctx.production),
            k8s_opts(self, ctx.contract, ctx.ready(KEY)),
            placement=ctx.placement,
        )
        previous: list[pulumi.Resource] = []
        for obj in gateway_objects(ctx.spec, ctx.contract.cloud, ctx.replicas, ctx.production, ctx.placement):
            deps: list[pulumi.Resource] = [self.release, *previous]
            deps += ctx.crds_ready(obj["kind"])  # the Certificate: cert-manager's CRDs and the platform issuer
            if obj["kind"] == "Gateway" and ctx.load_balancer_controller is not None:
                # Its Service's NLB is the controller's: destroyed first, the controller deletes the NLB (and the
                # Service's finalizer) before `pulumi destroy` removes the controller.
                deps.append(ctx.load_balancer_controller)
            resource = apply_object(f"{name}-{obj['kind'].lower()}-{obj['metadata']['name']}", obj, k8s_opts(self, ctx.contract, deps))
            previous = [resource]
            if obj["kind"] == "Gateway":
                self.gateway = resource
        self.register_outputs({"release": self.release.name, "gateway": naming.GATEWAY_NAME})
