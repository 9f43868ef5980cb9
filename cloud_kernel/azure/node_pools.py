"""`cloud-kernel:azure:NodePool`: one AKS `AgentPool` resource per `nodePools` entry (never inline).

- Name: at most 12 lowercase alphanumerics, derived stably from the config key (a digest suffix when the key
  must be shortened or cleaned, so two keys never collide and a key always maps to the same pool).
- VM size from `cloud_kernel.machines` (`Standard_D*s_v5`, `E*s_v5`, `F*s_v2`; GPUs `NC*`/`ND*` with the
  NVIDIA driver installed by AKS), Azure Linux, encryption at host, no node public IPs, availability zones.
- Ephemeral OS disks where the VM size has a cache or temp disk big enough, managed disks otherwise.
- Autoscaling between minSize and maxSize; the autoscaler owns `count` (ignored after creation).
- Spot (`scaleSetPriority: Spot`, eviction `Delete`, pay at most the on-demand price) where asked. AKS taints
  spot nodes `kubernetes.azure.com/scalesetpriority=spot:NoSchedule`: it is declared here and in the
  contract, so schedulers tolerate it and Azure's own taint never shows as drift. Spot pools take no surge
  settings (AKS refuses them); on-demand pools surge by `maxUnavailablePercent`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import pulumi
import pulumi_azure_native.containerservice as containerservice

from cloud_kernel import machines
from cloud_kernel.azure.providers import AzureEnv
from cloud_kernel.specs import MachineClass, NodePoolSpec

POOL_LABEL = "cloud-kernel.io/pool"
SPOT_TAINT = {"key": "kubernetes.azure.com/scalesetpriority", "value": "spot", "effect": "NoSchedule"}
MAX_NAME = 12
# Largest ephemeral OS disk (GiB) each VM size can hold (its cache or temp disk, whichever is larger).
# Sizes not listed (Dsv5, Esv5: no local disk) use managed OS disks.
EPHEMERAL_OS_GB: dict[str, int] = {
    "Standard_F4s_v2": 64,
    "Standard_F8s_v2": 128,
    "Standard_F16s_v2": 256,
    "Standard_NC4as_T4_v3": 180,
    "Standard_NC8as_T4_v3": 360,
    "Standard_NC16as_T4_v3": 360,
    "Standard_NC64as_T4_v3": 2880,
    "Standard_NC24ads_A100_v4": 64,
    "Standard_NC48ads_A100_v4": 128,
    "Standard_NC96ads_A100_v4": 256,
    "Standard_NV36ads_A10_v5": 720,
    "Standard_NV72ads_A10_v5": 1400,
}


def pool_name(key: str) -> str:
    """The AKS pool name of a config key: the key's alphanumerics when they fit and start with a letter,
    else a stem plus a digest of the key."""
    clean = re.sub(r"[^a-z0-9]", "", key.lower())
    if clean == key and len(clean) <= MAX_NAME and clean[:1].isalpha():
        return clean
    digest = hashlib.sha256(key.encode()).hexdigest()[:4]
    stem = ("p" + clean if not clean[:1].isalpha() else clean)[: MAX_NAME - len(digest)]
    return f"{stem}{digest}"


def cpu_vm_size(machine: MachineClass) -> str:
    return machines.instance_types("azure", machine)[0]


def vm_size(spec: NodePoolSpec) -> str:
    if spec.gpu:
        return machines.gpu_instance_type("azure", spec.gpu.gpu_class, spec.gpu.count, spec.machine)
    return cpu_vm_size(spec.machine)


def os_disk_type(size: str, disk_gb: int) -> str:
    """Ephemeral when the VM's local disk holds an OS disk of `disk_gb`, else a managed disk."""
    return "Ephemeral" if EPHEMERAL_OS_GB.get(size, 0) >= disk_gb else "Managed"


def node_labels(key: str, spec: NodePoolSpec) -> dict[str, str]:
    return {POOL_LABEL: key, **spec.labels}


def node_taints(spec: NodePoolSpec) -> list[dict[str, str]]:
    taints = [{"key": t.key, "value": t.value, "effect": t.effect} for t in spec.taints]
    if spec.spot and SPOT_TAINT not in taints:
        taints.append(dict(SPOT_TAINT))
    return taints


def taint_strings(taints: Sequence[dict[str, str]]) -> list[str]:
    return [f"{t['key']}={t['value']}:{t['effect']}" if t["value"] else f"{t['key']}:{t['effect']}" for t in taints]


def spot_settings(spec: NodePoolSpec) -> dict:
    if not spec.spot:
        return {
            "scale_set_priority": "Regular",
            "upgrade_settings": containerservice.AgentPoolUpgradeSettingsArgs(max_surge=f"{spec.max_unavailable_percent}%"),
        }
    return {"scale_set_priority": "Spot", "scale_set_eviction_policy": "Delete", "spot_max_price": -1}


class NodePool(pulumi.ComponentResource):
    agent_pool: containerservice.AgentPool

    def __init__(
        self,
        name: str,
        env: AzureEnv,
        key: str,
        spec: NodePoolSpec,
        *,
        cluster_name: pulumi.Input[str],
        version: str,
        subnet_id: pulumi.Input[str],
        depends_on: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:azure:NodePool", name, None, opts)
        size = vm_size(spec)
        self.labels = node_labels(key, spec)
        self.taints = node_taints(spec)
        self.pool_name = pool_name(key)
        self.agent_pool = containerservice.AgentPool(
            f"{name}-nodes",
            agent_pool_name=self.pool_name,
            resource_name_=cluster_name,
            resource_group_name=env.resource_group_name,
            mode="User",
            type="VirtualMachineScaleSets",
            orchestrator_version=version,
            vm_size=size,
            os_type="Linux",
            os_sku="AzureLinux",
            os_disk_type=os_disk_type(size, spec.disk_size_gb),
            os_disk_size_gb=spec.disk_size_gb,
            enable_auto_scaling=True,
            count=spec.desired_size if spec.desired_size is not None else spec.min_size,
            min_count=spec.min_size,
            max_count=spec.max_size,
            availability_zones=env.zone_names,
            vnet_subnet_id=subnet_id,
            enable_encryption_at_host=True,
            enable_node_public_ip=False,
            gpu_profile=containerservice.GPUProfileArgs(driver="Install") if spec.gpu else None,
            node_labels=self.labels,
            node_taints=taint_strings(self.taints),
            tags={**env.tags, POOL_LABEL: key},
            **spot_settings(spec),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(depends_on),
                # The cluster autoscaler owns the current size; config owns only the bounds.
                ignore_changes=["count"],
            ),
        )
        self.register_outputs({"agentPool": self.agent_pool.name, "vmSize": size})
