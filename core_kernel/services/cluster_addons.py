"""The cluster add-ons of `core_kernel.addons`: one pinned Helm release each, in its own restricted namespace
(the device plugin's is `privileged`, with its reason), on the system pool, with requests and limits, a
workload identity where the add-on calls the cloud, and the built-in critical priority classes: they keep the
cluster itself working (nodes, load balancers, the metrics API), so they outrank every platform service."""

from __future__ import annotations

from typing import Any

import pulumi

from core_kernel.addons import ADDON_IDENTITIES, ADDON_NAMESPACES, ADDON_SERVICE_ACCOUNTS
from core_kernel.context import tolerations_for
from core_kernel.services.common import (
    BuildContext,
    container_security_context,
    helm_release,
    k8s_opts,
    pod_security_context,
    resources,
)

CLUSTER_CRITICAL = "system-cluster-critical"
NODE_CRITICAL = "system-node-critical"
RELEASES = {
    "loadBalancerController": "aws-load-balancer-controller",
    "nodeAutoscaler": "cluster-autoscaler",
    "metricsServer": "metrics-server",
    "nvidiaDevicePlugin": "nvidia-device-plugin",
    "externalDns": "external-dns",
}


def _service_account(addon: str, annotations: Any) -> dict[str, Any]:
    return {"create": True, "name": ADDON_SERVICE_ACCOUNTS[addon], "annotations": annotations}


def load_balancer_controller_values(ctx: BuildContext, annotations: Any) -> dict[str, Any]:
    contract = ctx.contract
    return {
        "clusterName": contract.cluster_name,
        "region": contract.region,
        "vpcId": contract.network_id,  # no pod reaches the instance metadata (hop limit 1) to discover it
        "replicaCount": ctx.replicas,
        "serviceAccount": _service_account("loadBalancerController", annotations),
        "podSecurityContext": pod_security_context(65534),
        "securityContext": container_security_context(),
        "resources": resources("50m", "128Mi", "500m", "512Mi"),
        "priorityClassName": CLUSTER_CRITICAL,
        "defaultTargetType": "ip",
        # The gateway is a TCP (NLB) load balancer; no Ingress, WAF or Shield to manage.
        "createIngressClassResource": False,
        "ingressClassParams": {"create": False},
        "enableShield": False,
        "enableWaf": False,
        "enableWafv2": False,
        # Off: this webhook only defaults `loadBalancerClass` on new LoadBalancer Services, and it fails closed on
        # every Service of the cluster until the controller runs, so every release would have to wait for it. The
        # gateway's Service names this controller by its annotations (`gateway.py`), which it reconciles whenever
        # it starts. Its other webhooks match nothing the platform creates: pods only in namespaces labelled for
        # readiness-gate injection (and failing open), TargetGroupBindings, Ingresses, IngressClassParams.
        "enableServiceMutatorWebhook": False,
    }


def node_autoscaler_values(ctx: BuildContext, annotations: Any) -> dict[str, Any]:
    contract = ctx.contract
    return {
        "cloudProvider": "aws",
        "awsRegion": contract.region,
        # EKS tags every managed node group's Auto Scaling group for discovery by the cluster's name.
        "autoDiscovery": {"clusterName": contract.cluster_name},
        "rbac": {"serviceAccount": _service_account("nodeAutoscaler", annotations)},
        "extraArgs": {"balance-similar-node-groups": True, "expander": "least-waste"},
        "securityContext": pod_security_context(65532),
        "containerSecurityContext": container_security_context(),
        "resources": resources("50m", "256Mi", "500m", "1Gi"),
        "priorityClassName": CLUSTER_CRITICAL,
    }


def metrics_server_values(ctx: BuildContext, annotations: Any) -> dict[str, Any]:
    return {
        "replicas": ctx.replicas,
        "podDisruptionBudget": {"enabled": ctx.production, "minAvailable": 1},
        "serviceAccount": _service_account("metricsServer", annotations),
        "podSecurityContext": pod_security_context(1000),
        "securityContext": container_security_context(),
        "resources": resources("50m", "128Mi", "500m", "512Mi"),
        "priorityClassName": CLUSTER_CRITICAL,
    }


def device_plugin_values(ctx: BuildContext, annotations: Any) -> dict[str, Any]:
    """On the GPU pools only (their labels), tolerating their taints; root in a hostPath, nothing more."""
    pools = [pool for _, pool in sorted(ctx.contract.node_pools.items()) if pool.gpu]
    terms = [
        {"matchExpressions": [{"key": k, "operator": "In", "values": [v]} for k, v in sorted(pool.labels.items())]}
        for pool in pools
    ]
    taints = {(t["key"], t.get("value", ""), t["effect"]): t for pool in pools for t in pool.taints}
    return {
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}},
        "tolerations": tolerations_for([taints[k] for k in sorted(taints)]),
        "podSecurityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "resources": resources("10m", "32Mi", "100m", "128Mi"),
        "priorityClassName": NODE_CRITICAL,
    }


def external_dns_values(ctx: BuildContext, annotations: Any) -> dict[str, Any]:
    """The host names of the routes attached to the platform Gateway, in the one zone of `gateway.dnsZone`."""
    spec = ctx.spec
    return {
        "provider": {"name": "aws"},
        "sources": ["gateway-httproute"],
        "domainFilters": [spec.domain],
        "extraArgs": {"zone-id-filter": spec.gateway.dns_zone},
        "env": [{"name": "AWS_DEFAULT_REGION", "value": ctx.contract.region}],
        "policy": "upsert-only",  # never deletes a record it did not write, nor one a route dropped
        "registry": "txt",
        "txtOwnerId": ctx.contract.cluster_name,
        "serviceAccount": _service_account("externalDns", annotations),
        "podSecurityContext": pod_security_context(65532),
        "securityContext": container_security_context(),
        "resources": resources("20m", "64Mi", "200m", "256Mi"),
        "priorityClassName": CLUSTER_CRITICAL,
    }


VALUES = {
    "loadBalancerController": load_balancer_controller_values,
    "nodeAutoscaler": node_autoscaler_values,
    "metricsServer": metrics_server_values,
    "nvidiaDevicePlugin": device_plugin_values,
    "externalDns": external_dns_values,
}


class ClusterAddons(pulumi.ComponentResource):
    """`cloud-kernel:core:ClusterAddons`: one release per add-on, each after its namespace and policies."""

    def __init__(self, name: str, ctx: BuildContext, addons: list[str], opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:ClusterAddons", name, None, opts)
        self.releases: dict[str, pulumi.Resource] = {}
        for addon in addons:
            identity = ADDON_IDENTITIES.get(addon)
            annotations = ctx.identity_annotations(identity[0]) if identity else {}
            self.releases[addon] = helm_release(
                f"{name}-{RELEASES[addon]}",
                addon,
                RELEASES[addon],
                ADDON_NAMESPACES[addon],
                VALUES[addon](ctx, annotations),
                k8s_opts(self, ctx.contract, [*ctx.base_ready, *ctx.namespace_ready.get(addon, [])]),
                placement=ctx.placement,  # the device plugin has no path there: it runs on the GPU pools
            )
        self.register_outputs({"releases": sorted(RELEASES[a] for a in addons)})
