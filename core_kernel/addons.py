"""Cluster add-ons: what a cloud's managed Kubernetes does not bring and a data platform cannot do without.

Pure, no Pulumi import. A per-cloud table (the core kernel learns about the cloud only through the contract and
small tables like this one), plus the NVIDIA device plugin wherever a GPU pool exists:

- `loadBalancerController`: the AWS Load Balancer Controller. The platform gateway's Service asks for an NLB
  with annotations only this controller handles (the in-tree provider ignores `aws-load-balancer-type: external`).
- `nodeAutoscaler`: the cluster autoscaler. Chosen over Karpenter because the node pools are EKS managed node
  groups: each pool's `minSize`/`maxSize` maps 1:1 onto its Auto Scaling group, EKS tags those groups for
  auto-discovery and the autoscaler reads their labels and taints to scale a pool up from zero. Karpenter would
  replace the node groups by NodePools and EC2NodeClasses with a second node lifecycle (its own node role,
  instance profile and interruption queue); faster bin-packing is not worth two ways of making nodes yet.
- `metricsServer`: the resource metrics API behind HorizontalPodAutoscalers and `kubectl top`.
- `nvidiaDevicePlugin`: advertises `nvidia.com/gpu` on GPU nodes, so GPU pods can be scheduled at all.
- `externalDns`: publishes the host names of the gateway's routes in the platform's DNS zone
  (`core.gateway.dnsZone`), only where one is configured.

GKE and AKS ship load balancing, node autoscaling and metrics-server as part of the service; their rows stay empty
until a backend needs something here.
"""

from __future__ import annotations

from collections.abc import Iterable

from core_kernel.specs import CoreKernelSpec

CLOUD_ADDONS: dict[str, tuple[str, ...]] = {
    "aws": ("loadBalancerController", "nodeAutoscaler", "metricsServer"),
    "gcp": (),
    "azure": (),
}
# Clouds whose GPU nodes need the device plugin from us (GKE installs its own).
DEVICE_PLUGIN_CLOUDS = frozenset({"aws"})
# Clouds whose DNS zones external-dns writes with the `dns` capability of a workload identity.
DNS_CLOUDS = frozenset({"aws"})

# Add-on -> namespace. Each add-on has its own namespace, PSA labels and default-deny policies like a service.
ADDON_NAMESPACES: dict[str, str] = {
    "loadBalancerController": "aws-load-balancer-controller",
    "nodeAutoscaler": "cluster-autoscaler",
    "metricsServer": "metrics-server",
    "nvidiaDevicePlugin": "nvidia-device-plugin",
    "externalDns": "external-dns",
}
# Add-on -> its Kubernetes service account (the workload identity binds to it).
ADDON_SERVICE_ACCOUNTS: dict[str, str] = {
    "loadBalancerController": "aws-load-balancer-controller",
    "nodeAutoscaler": "cluster-autoscaler",
    "metricsServer": "metrics-server",
    "nvidiaDevicePlugin": "nvidia-device-plugin",
    "externalDns": "external-dns",
}
# Add-on -> (identity name, cloud capabilities) for add-ons that call the cloud's API.
ADDON_IDENTITIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "loadBalancerController": ("aws-load-balancer-controller", ("load-balancers",)),
    "nodeAutoscaler": ("cluster-autoscaler", ("node-autoscaling",)),
    "externalDns": ("external-dns", ("dns",)),
}
# The device plugin serves the kubelet over a socket in a hostPath directory: not allowed by `baseline` either.
DEVICE_PLUGIN_REASON = "the NVIDIA device plugin registers with the kubelet through a hostPath socket (/var/lib/kubelet/device-plugins)"
# The node pool core services and add-ons run on when the stack has one (its labels and taints come from the contract).
SYSTEM_POOL = "system"


def cluster_addons(cloud: str, gpu_pools: Iterable[bool] = (), dns_zone: str | None = None) -> list[str]:
    """The add-ons of a cluster on `cloud`, in install order; `gpu_pools`: the `gpu` flag of each node pool;
    `dns_zone`: the zone the gateway's host names are published in, if any."""
    addons = list(CLOUD_ADDONS.get(cloud, ()))
    if cloud in DEVICE_PLUGIN_CLOUDS and any(gpu_pools):
        addons.append("nvidiaDevicePlugin")
    if cloud in DNS_CLOUDS and dns_zone:
        addons.append("externalDns")
    return addons


def dns_zone(spec: CoreKernelSpec) -> str | None:
    """The zone external-dns publishes in: the gateway's `dnsZone`, when the gateway is on."""
    return spec.gateway.dns_zone if spec.gateway.enabled else None
