"""Machine-class tables: cloud-neutral sizes -> each cloud's instance types.

Pure data and lookups (no Pulumi import), so `kernelctl`, the tests and every backend share one table. A
test checks the tables are exhaustive over the `Literal` types in `cloud_kernel.specs`: adding a class there
without a row here fails CI instead of failing a deploy.
"""

from __future__ import annotations

from typing import Literal, get_args

from cloud_kernel.specs import GpuClass, MachineClass, PostgresSpec

Cloud = Literal["aws", "gcp", "azure"]
CLOUDS: tuple[Cloud, ...] = get_args(Cloud)
DatabaseSize = Literal["small", "medium", "large", "xlarge"]

# vCPU and memory of each neutral class (the contract the instance types below honour).
SHAPES: dict[MachineClass, tuple[int, int]] = {
    "general-small": (2, 8),
    "general-medium": (4, 16),
    "general-large": (8, 32),
    "general-xlarge": (16, 64),
    "memory-medium": (4, 32),
    "memory-large": (8, 64),
    "memory-xlarge": (16, 128),
    "compute-medium": (4, 8),
    "compute-large": (8, 16),
    "compute-xlarge": (16, 32),
}

# The first AWS type is the on-demand choice; the rest are same-shape alternatives that spot pools add so
# the capacity-optimized allocation can pick the deepest pool (EC2 spot best practice: diversify).
MACHINES: dict[MachineClass, dict[Cloud, tuple[str, ...]]] = {
    "general-small": {
        "aws": ("m7i.large", "m6i.large", "m6a.large", "m5.large"),
        "gcp": ("n2-standard-2",),
        "azure": ("Standard_D2s_v5",),
    },
    "general-medium": {
        "aws": ("m7i.xlarge", "m6i.xlarge", "m6a.xlarge", "m5.xlarge"),
        "gcp": ("n2-standard-4",),
        "azure": ("Standard_D4s_v5",),
    },
    "general-large": {
        "aws": ("m7i.2xlarge", "m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge"),
        "gcp": ("n2-standard-8",),
        "azure": ("Standard_D8s_v5",),
    },
    "general-xlarge": {
        "aws": ("m7i.4xlarge", "m6i.4xlarge", "m6a.4xlarge", "m5.4xlarge"),
        "gcp": ("n2-standard-16",),
        "azure": ("Standard_D16s_v5",),
    },
    "memory-medium": {
        "aws": ("r7i.xlarge", "r6i.xlarge", "r6a.xlarge", "r5.xlarge"),
        "gcp": ("n2-highmem-4",),
        "azure": ("Standard_E4s_v5",),
    },
    "memory-large": {
        "aws": ("r7i.2xlarge", "r6i.2xlarge", "r6a.2xlarge", "r5.2xlarge"),
        "gcp": ("n2-highmem-8",),
        "azure": ("Standard_E8s_v5",),
    },
    "memory-xlarge": {
        "aws": ("r7i.4xlarge", "r6i.4xlarge", "r6a.4xlarge", "r5.4xlarge"),
        "gcp": ("n2-highmem-16",),
        "azure": ("Standard_E16s_v5",),
    },
    "compute-medium": {
        "aws": ("c7i.xlarge", "c6i.xlarge", "c6a.xlarge", "c5.xlarge"),
        "gcp": ("c2d-highcpu-4",),
        "azure": ("Standard_F4s_v2",),
    },
    "compute-large": {
        "aws": ("c7i.2xlarge", "c6i.2xlarge", "c6a.2xlarge", "c5.2xlarge"),
        "gcp": ("c2d-highcpu-8",),
        "azure": ("Standard_F8s_v2",),
    },
    "compute-xlarge": {
        "aws": ("c7i.4xlarge", "c6i.4xlarge", "c6a.4xlarge", "c5.4xlarge"),
        "gcp": ("c2d-highcpu-16",),
        "azure": ("Standard_F16s_v2",),
    },
}

# GPU nodes: (gpus per node) -> instance type, per GPU class and cloud. A pool asking for `count` GPUs gets
# the smallest entry with at least that many. For one GPU the machine class picks the host size (vCPU).
# None: the cloud does not offer that GPU.
GPUS: dict[GpuClass, dict[Cloud, dict[int, dict[int, str]] | None]] = {
    # {gpus: {vcpus: type}}
    "nvidia-t4": {
        "aws": {1: {4: "g4dn.xlarge", 8: "g4dn.2xlarge", 16: "g4dn.4xlarge"}, 4: {48: "g4dn.12xlarge"}, 8: {96: "g4dn.metal"}},
        "gcp": {1: {4: "n1-standard-4", 8: "n1-standard-8", 16: "n1-standard-16"}, 4: {32: "n1-standard-32"}},
        "azure": {1: {4: "Standard_NC4as_T4_v3", 8: "Standard_NC8as_T4_v3", 16: "Standard_NC16as_T4_v3"}, 4: {64: "Standard_NC64as_T4_v3"}},
    },
    "nvidia-a10g": {
        "aws": {1: {4: "g5.xlarge", 8: "g5.2xlarge", 16: "g5.4xlarge"}, 4: {48: "g5.12xlarge"}, 8: {192: "g5.48xlarge"}},
        "gcp": None,
        "azure": {1: {36: "Standard_NV36ads_A10_v5"}, 2: {72: "Standard_NV72ads_A10_v5"}},
    },
    "nvidia-l4": {
        "aws": {1: {4: "g6.xlarge", 8: "g6.2xlarge", 16: "g6.4xlarge"}, 4: {48: "g6.12xlarge"}, 8: {192: "g6.48xlarge"}},
        "gcp": {1: {4: "g2-standard-4", 8: "g2-standard-8", 16: "g2-standard-16"}, 2: {24: "g2-standard-24"}, 4: {48: "g2-standard-48"}, 8: {96: "g2-standard-96"}},
        "azure": None,
    },
    "nvidia-a100": {
        "aws": {8: {96: "p4d.24xlarge"}},
        "gcp": {1: {12: "a2-highgpu-1g"}, 2: {24: "a2-highgpu-2g"}, 4: {48: "a2-highgpu-4g"}, 8: {96: "a2-highgpu-8g"}},
        "azure": {1: {24: "Standard_NC24ads_A100_v4"}, 2: {48: "Standard_NC48ads_A100_v4"}, 4: {96: "Standard_NC96ads_A100_v4"}},
    },
}

# Managed Postgres: neutral size -> instance class per cloud and engine flavour. Graviton (m7g/r7g) is the
# price-performance choice on AWS; `small` is burstable, fine for dev and control-plane databases.
DATABASES: dict[DatabaseSize, dict[str, str]] = {
    "small": {"aws-postgres": "db.t4g.medium", "aws-aurora": "db.t4g.medium", "gcp": "db-custom-2-8192", "azure": "Standard_B2ms"},
    "medium": {"aws-postgres": "db.m7g.large", "aws-aurora": "db.r7g.large", "gcp": "db-custom-2-8192", "azure": "Standard_D2ds_v5"},
    "large": {"aws-postgres": "db.m7g.xlarge", "aws-aurora": "db.r7g.xlarge", "gcp": "db-custom-4-16384", "azure": "Standard_D4ds_v5"},
    "xlarge": {"aws-postgres": "db.m7g.2xlarge", "aws-aurora": "db.r7g.2xlarge", "gcp": "db-custom-8-32768", "azure": "Standard_D8ds_v5"},
}
DATABASE_COLUMNS = ("aws-postgres", "aws-aurora", "gcp", "azure")


class NoSuchMachine(ValueError):
    """The cloud has no instance type for this neutral class."""


def instance_types(cloud: Cloud, machine: MachineClass, *, spot: bool = False) -> list[str]:
    """Instance types for a CPU pool: one for on-demand, every same-shape alternative for spot."""
    types = MACHINES[machine][cloud]
    return list(types) if spot else [types[0]]


def gpu_instance_type(cloud: Cloud, gpu: GpuClass, count: int, machine: MachineClass) -> str:
    """The smallest instance with at least `count` GPUs of `gpu`; with one GPU, at least the machine's vCPUs."""
    table = GPUS[gpu][cloud]
    if table is None:
        raise NoSuchMachine(f"{cloud} offers no {gpu} instances")
    for gpus in sorted(table):
        if gpus < count:
            continue
        hosts = table[gpus]
        vcpus, _ = SHAPES[machine]
        for host_vcpus in sorted(hosts):
            if host_vcpus >= vcpus:
                return hosts[host_vcpus]
        return hosts[max(hosts)]
    raise NoSuchMachine(f"{cloud} has no {gpu} instance with {count} GPUs")


def database_class(column: str, size: DatabaseSize) -> str:
    return DATABASES[size][column]


def _database_sizes() -> tuple[str, ...]:
    return get_args(PostgresSpec.model_fields["size"].annotation)


DATABASE_SIZES: tuple[str, ...] = _database_sizes()
