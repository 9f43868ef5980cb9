"""Zero-trust networking: every platform namespace denies all traffic, then allows what it needs.

Pure functions returning `networking.k8s.io/v1` NetworkPolicy dicts, no Pulumi import. The model:

1. `default-deny`: no ingress, no egress for any pod of the namespace.
2. `allow-dns`: egress to CoreDNS (kube-system, `k8s-app=kube-dns`) on 53/UDP and 53/TCP.
3. `allow-same-namespace`: pods of one service talk to each other (controller <-> webhook, ...). Not in the
   catalog's namespace, whose paths are named instead: only Lakekeeper reaches its authorizer, OpenFGA.
4. `allow-egress-https`: TCP 443/6443 to any address: the Kubernetes API server (its address is not in the
   cloud contract, so it cannot be narrowed to a CIDR) and the cloud APIs over HTTPS (STS, object store,
   secret manager). Nothing else leaves the namespace unless a rule below says so.
   Namespaces with a cloud identity also reach the cloud's workload-identity endpoint where it is not
   HTTPS (`allow-workload-identity`: the GKE metadata server).
5. `allow-prometheus-scrape`: ingress from the Prometheus pods on the service's metrics ports.
6. Per service: the API server to admission webhooks, the gateway's proxies to the services they front,
   workspaces to the catalog and OPA, the catalog to Postgres, ...

Ingress is always the precise side: a namespace's egress may be broad inside the cluster (Prometheus
scrapes everything, the gateway forwards to routable namespaces), the receiving namespace decides.
"""

from __future__ import annotations

from typing import Any

from core_kernel.context import workload_identity_egress
from core_kernel.namespaces import GATEWAY_ACCESS_LABEL, PART_OF, PlatformNamespace
from core_kernel.naming import (
    CATALOG_ADMIN_POD_LABELS,
    CATALOG_POD_LABELS,
    NAMESPACES,
    OPENFGA_GRPC_PORT,
    OPENFGA_METRICS_PORT,
    OPENFGA_POD_LABELS,
)
from core_kernel.specs import CoreKernelSpec
from core_kernel.versions import OPA_DIAGNOSTIC_PORT

WORKSPACE_LABELS = {"cloud-kernel.io/workspace": "true"}
PROXY_LABELS = {"app.kubernetes.io/component": "proxy", "app.kubernetes.io/managed-by": "envoy-gateway"}
PROMETHEUS_LABELS = {"app.kubernetes.io/name": "prometheus"}
ANYWHERE = {"ipBlock": {"cidr": "0.0.0.0/0"}}
# Namespaces whose service has a cloud workload identity (core_kernel.identities).
IDENTITY_NAMESPACES = {"externalSecrets", "catalog"}

# Service key -> ports Prometheus scrapes.
METRICS_PORTS: dict[str, list[int]] = {
    "certManager": [9402],
    "externalSecrets": [8080],
    "gateway": [19001],
    "workflows": [9090],
    "spark": [8080],
    "catalog": [9000, OPENFGA_METRICS_PORT],  # Lakekeeper, OpenFGA
    "policy": [OPA_DIAGNOSTIC_PORT],
    "nodeExporter": [9100],
    "loadBalancerController": [8080],
    "nodeAutoscaler": [8085],
    "externalDns": [7979],
}
# Namespaces whose pods live on the host's side (host network, kubelet sockets): nothing in-cluster to call.
HOST_LEVEL = frozenset({"nodeExporter", "nvidiaDevicePlugin"})
# Namespaces whose in-namespace paths are each named by a rule of their own (no `allow-same-namespace`).
NAMED_PATHS = frozenset({"catalog"})


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _pods_in(namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    return {**_namespace(namespace), "podSelector": {"matchLabels": dict(labels)}}


def _same_namespace_pods(labels: dict[str, str]) -> dict[str, Any]:
    return {"podSelector": {"matchLabels": dict(labels)}}


def _ports(*ports: int, protocol: str = "TCP") -> list[dict[str, Any]]:
    return [{"protocol": protocol, "port": port} for port in ports]


def _policy(
    name: str,
    namespace: str,
    *,
    pods: dict[str, str] | None = None,
    ingress: list[dict[str, Any]] | None = None,
    egress: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": {"matchLabels": dict(pods)} if pods else {}}
    types = []
    if ingress is not None:
        types.append("Ingress")
        spec["ingress"] = ingress
    if egress is not None:
        types.append("Egress")
        spec["egress"] = egress
    spec["policyTypes"] = types
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(PART_OF)},
        "spec": spec,
    }


def default_deny(namespace: str) -> dict[str, Any]:
    """Deny every ingress and egress connection of every pod in `namespace`."""
    return _policy("default-deny", namespace, ingress=[], egress=[])


def allow_dns(namespace: str) -> dict[str, Any]:
    return _policy(
        "allow-dns",
        namespace,
        egress=[
            {
                "to": [_pods_in("kube-system", {"k8s-app": "kube-dns"})],
                "ports": _ports(53, protocol="UDP") + _ports(53),
            }
        ],
    )


def _common(ns: PlatformNamespace, spec: CoreKernelSpec, cloud: str) -> list[dict[str, Any]]:
    name = ns.name
    policies = [default_deny(name), allow_dns(name)]
    if ns.key in HOST_LEVEL:
        return policies
    if ns.key not in NAMED_PATHS:
        everyone = {"podSelector": {}}
        policies.append(_policy("allow-same-namespace", name, ingress=[{"from": [everyone]}], egress=[{"to": [everyone]}]))
    policies.append(_policy("allow-egress-https", name, egress=[{"to": [ANYWHERE], "ports": _ports(443, 6443)}]))
    if ns.key in IDENTITY_NAMESPACES and workload_identity_egress(cloud):
        policies.append(_policy("allow-workload-identity", name, egress=workload_identity_egress(cloud)))
    return policies


def _scrape(ns: PlatformNamespace, spec: CoreKernelSpec) -> list[dict[str, Any]]:
    ports = METRICS_PORTS.get(ns.key)
    if not spec.monitoring.enabled or not ports or ns.key == "monitoring":
        return []
    return [
        _policy(
            "allow-prometheus-scrape",
            ns.name,
            ingress=[{"from": [_pods_in(NAMESPACES["monitoring"], PROMETHEUS_LABELS)], "ports": _ports(*ports)}],
        )
    ]


def _webhook(namespace: str, pods: dict[str, str], port: int) -> dict[str, Any]:
    # Admission webhooks are called by the API server, whose address is not known to the contract.
    return _policy("allow-apiserver-webhook", namespace, pods=pods, ingress=[{"from": [ANYWHERE], "ports": _ports(port)}])


def _from_workspaces_and_platform(spec: CoreKernelSpec, *, via_gateway: bool) -> list[dict[str, Any]]:
    peers: list[dict[str, Any]] = [
        {"namespaceSelector": {"matchLabels": dict(WORKSPACE_LABELS)}},
        _namespace(NAMESPACES["platform"]),
    ]
    if via_gateway and spec.gateway.enabled:
        peers.append(_pods_in(NAMESPACES["gateway"], PROXY_LABELS))
    return peers


def _service_rules(ns: PlatformNamespace, spec: CoreKernelSpec) -> list[dict[str, Any]]:
    name, key = ns.name, ns.key
    if key == "certManager":
        rules = [_webhook(name, {"app.kubernetes.io/component": "webhook"}, 10250)]
        if spec.cert_manager.cluster_issuer.acme is not None:
            # ACME directory over HTTPS (covered above) and the HTTP-01 self-check on port 80.
            rules.append(_policy("allow-acme-self-check", name, egress=[{"to": [ANYWHERE], "ports": _ports(80)}]))
        return rules
    if key == "externalSecrets":
        return [_webhook(name, {"app.kubernetes.io/name": "external-secrets-webhook"}, 10250)]
    if key == "gateway":
        return [
            _policy(
                "allow-gateway-listeners",
                name,
                pods=PROXY_LABELS,
                ingress=[{"from": [ANYWHERE], "ports": _ports(10080, 10443)}],
            ),
            _policy(
                "allow-gateway-backends",
                name,
                pods=PROXY_LABELS,
                egress=[
                    {"to": [{"namespaceSelector": {"matchLabels": {GATEWAY_ACCESS_LABEL: "true"}}}]},
                    {"to": [{"namespaceSelector": {"matchLabels": dict(WORKSPACE_LABELS)}}]},
                ],
            ),
            _webhook(name, {"app.kubernetes.io/name": "gateway-helm"}, 9443),
        ]
    if key == "monitoring":
        return [
            _policy(
                "allow-scrape-targets",
                name,
                pods=PROMETHEUS_LABELS,
                egress=[
                    {"to": [{"namespaceSelector": {}}]},
                    # kubelet / cAdvisor and host-network exporters live on node addresses.
                    {"to": [ANYWHERE], "ports": _ports(10250, 9100)},
                ],
            ),
            _webhook(name, {"app": "kube-prometheus-stack-operator"}, 10250),
        ]
    if key == "workflows" and spec.workflows.expose_ui and spec.gateway.enabled:
        return [
            _policy(
                "allow-gateway-to-argo-server",
                name,
                pods={"app.kubernetes.io/name": "argo-workflows-server"},
                ingress=[{"from": [_pods_in(NAMESPACES["gateway"], PROXY_LABELS)], "ports": _ports(2746)}],
            )
        ]
    if key == "spark":
        return [_webhook(name, {"app.kubernetes.io/component": "webhook"}, 9443)]
    if key == "catalog":
        return [
            _policy(
                "allow-catalog-clients",
                name,
                pods={"app.kubernetes.io/name": "lakekeeper"},
                ingress=[
                    {
                        "from": [
                            *_from_workspaces_and_platform(spec, via_gateway=spec.catalog.expose),
                            # In its own namespace only the catalog administrator (bootstrap, workspace grants).
                            _same_namespace_pods(CATALOG_ADMIN_POD_LABELS),
                        ],
                        "ports": _ports(8181),
                    }
                ],
            ),
            _policy(
                "allow-catalog-admin-to-lakekeeper",
                name,
                pods=CATALOG_ADMIN_POD_LABELS,
                egress=[{"to": [_same_namespace_pods(CATALOG_POD_LABELS)], "ports": _ports(8181)}],
            ),
            # Lakekeeper (server and migration pods) to OpenFGA's gRPC API, both sides named; nothing else reaches it.
            _policy(
                "allow-openfga-clients",
                name,
                pods=OPENFGA_POD_LABELS,
                ingress=[{"from": [_same_namespace_pods(CATALOG_POD_LABELS)], "ports": _ports(OPENFGA_GRPC_PORT)}],
            ),
            _policy(
                "allow-lakekeeper-to-openfga",
                name,
                pods=CATALOG_POD_LABELS,
                egress=[{"to": [_same_namespace_pods(OPENFGA_POD_LABELS)], "ports": _ports(OPENFGA_GRPC_PORT)}],
            ),
            # Lakekeeper, OpenFGA and the database bootstrap Job to the platform Postgres (outside the cluster).
            _policy("allow-postgres", name, egress=[{"to": [ANYWHERE], "ports": _ports(5432)}]),
        ]
    if key == "policy":
        peers = _from_workspaces_and_platform(spec, via_gateway=True)
        if spec.catalog.enabled:
            peers.append(_namespace(NAMESPACES["catalog"]))
        return [
            _policy(
                "allow-decision-clients",
                name,
                pods={"app": "opa"},
                ingress=[{"from": peers, "ports": _ports(8181)}],
            )
        ]
    return []


def _addon_rules(ns: PlatformNamespace) -> list[dict[str, Any]]:
    """Cluster add-ons: the load balancer controller's webhook; metrics-server between API server and kubelets.
    The node autoscaler only calls the API server and the cloud (443), the device plugin nothing."""
    name, key = ns.name, ns.key
    if key == "loadBalancerController":
        return [_webhook(name, {"app.kubernetes.io/name": "aws-load-balancer-controller"}, 9443)]
    if key == "metricsServer":
        pods = {"app.kubernetes.io/name": "metrics-server"}
        return [
            # The API server proxies the metrics.k8s.io APIService to it; it scrapes every kubelet.
            _webhook(name, pods, 10250),
            _policy("allow-kubelets", name, pods=pods, egress=[{"to": [ANYWHERE], "ports": _ports(10250)}]),
        ]
    return []


def network_policies(ns: PlatformNamespace, spec: CoreKernelSpec, cloud: str = "") -> list[dict[str, Any]]:
    """Every NetworkPolicy of one platform namespace; the first is always `default-deny`."""
    return _common(ns, spec, cloud) + _scrape(ns, spec) + _service_rules(ns, spec) + _addon_rules(ns)
