"""`cloud-kernel:gcp:NodePool`: one GKE node pool (and its own node service account) per config entry.

- Machine type from `machines.py` (`n2`/`c2d`/`n2-highmem`; GPU pools `n1`+T4, `g2`+L4 or `a2`+A100 with the
  accelerator declared and the NVIDIA driver installed by GKE).
- Cluster autoscaler bounds are the pool's total `minSize`/`maxSize` over its zones; the node count is the
  autoscaler's after creation (`initialNodeCount` is ignored once the pool exists).
- Spot VMs where asked (`ANY` location policy, so the autoscaler takes capacity wherever it is); labels
  and taints; auto-repair and auto-upgrade; surge upgrades.
- Every node: a dedicated least-privilege service account, the GKE metadata server (`GKE_METADATA`: pods
  see only their Workload Identity), secure boot and integrity monitoring, a CMEK boot disk.

Pools are independent of each other, so they are created and updated in parallel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pulumi
import pulumi_gcp as gcp

from cloud_kernel import machines
from cloud_kernel.gcp.cluster import hardened_node_config, node_service_account
from cloud_kernel.gcp.providers import GcpEnv
from cloud_kernel.specs import NodePoolSpec

POOL_LABEL = "cloud-kernel.io/pool"
TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}
ACCELERATORS = {"nvidia-t4": "nvidia-tesla-t4", "nvidia-l4": "nvidia-l4", "nvidia-a100": "nvidia-tesla-a100"}


def machine_type(spec: NodePoolSpec) -> str:
    if spec.gpu:
        return machines.gpu_instance_type("gcp", spec.gpu.gpu_class, spec.gpu.count, spec.machine)
    return machines.instance_types("gcp", spec.machine)[0]


def accelerators(spec: NodePoolSpec) -> list[gcp.container.NodePoolNodeConfigGuestAcceleratorArgs]:
    if spec.gpu is None:
        return []
    accelerator = ACCELERATORS.get(spec.gpu.gpu_class)
    if accelerator is None:
        raise machines.NoSuchMachine(f"gcp offers no {spec.gpu.gpu_class} accelerator")
    return [
        gcp.container.NodePoolNodeConfigGuestAcceleratorArgs(
            type=accelerator,
            count=spec.gpu.count,
            gpu_driver_installation_config=gcp.container.NodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfigArgs(
                gpu_driver_version="DEFAULT"
            ),
        )
    ]


def node_labels(key: str, spec: NodePoolSpec) -> dict[str, str]:
    return {POOL_LABEL: key, **spec.labels}


def node_taints(spec: NodePoolSpec) -> list[dict[str, str]]:
    return [{"key": t.key, "value": t.value, "effect": t.effect} for t in spec.taints]


def per_zone(total: int, zones: int) -> int:
    return math.ceil(total / zones)


def upgrade_settings(spec: NodePoolSpec, zones: int) -> gcp.container.NodePoolUpgradeSettingsArgs:
    """Surge upgrades: one extra node per zone at a time, and at most `maxUnavailablePercent` of a zone's
    nodes down at once."""
    unavailable = per_zone(spec.max_size, zones) * spec.max_unavailable_percent // 100
    return gcp.container.NodePoolUpgradeSettingsArgs(strategy="SURGE", max_surge=1, max_unavailable=unavailable)


def node_config(spec: NodePoolSpec, key: str, account: pulumi.Input[str], boot_disk_key: pulumi.Input[str]) -> gcp.container.NodePoolNodeConfigArgs:
    return gcp.container.NodePoolNodeConfigArgs(
        **hardened_node_config(account, boot_disk_key),
        machine_type=machine_type(spec),
        disk_type="pd-balanced",
        disk_size_gb=spec.disk_size_gb,
        spot=spec.spot,
        guest_accelerators=accelerators(spec),
        labels=node_labels(key, spec),
        taints=[
            gcp.container.NodePoolNodeConfigTaintArgs(key=t.key, value=t.value, effect=TAINT_EFFECTS[t.effect]) for t in spec.taints
        ],
        resource_labels={"pool": key},
        shielded_instance_config=gcp.container.NodePoolNodeConfigShieldedInstanceConfigArgs(
            enable_secure_boot=True, enable_integrity_monitoring=True
        ),
        workload_metadata_config=gcp.container.NodePoolNodeConfigWorkloadMetadataConfigArgs(mode="GKE_METADATA"),
    )


class NodePool(pulumi.ComponentResource):
    node_pool: gcp.container.NodePool

    def __init__(
        self,
        name: str,
        env: GcpEnv,
        key: str,
        spec: NodePoolSpec,
        *,
        cluster: gcp.container.Cluster,
        zones: pulumi.Input[Sequence[str]],
        zone_count: int,
        boot_disk_key: pulumi.Input[str],
        depends_on: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:gcp:NodePool", name, None, opts)
        account = node_service_account(f"{name}-nodes-sa", env, f"gke-{key}", f"{env.prefix}: nodes of pool {key}", self)
        self.labels = node_labels(key, spec)
        self.taints = node_taints(spec)
        initial = spec.desired_size if spec.desired_size is not None else spec.min_size
        self.node_pool = gcp.container.NodePool(
            f"{name}-nodes",
            name=key,
            project=env.gcp_project,
            cluster=cluster.id,
            location=env.region,
            node_locations=zones,
            initial_node_count=per_zone(initial, zone_count),
            autoscaling=gcp.container.NodePoolAutoscalingArgs(
                total_min_node_count=spec.min_size,
                total_max_node_count=spec.max_size,
                location_policy="ANY" if spec.spot else "BALANCED",
            ),
            management=gcp.container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
            upgrade_settings=upgrade_settings(spec, zone_count),
            node_config=node_config(spec, key, account.email, boot_disk_key),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(depends_on),
                # The cluster autoscaler owns the size and auto-upgrade the version; config owns the bounds.
                ignore_changes=["initialNodeCount", "nodeCount", "version"],
            ),
        )
        self.register_outputs({"nodePool": self.node_pool.name, "serviceAccount": account.email})
