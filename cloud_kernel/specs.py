"""Cloud-neutral specs: the typed form of the `cloud-kernel:cloud` stack config.

The same spec drives every cloud backend. Backends translate it (machine classes, storage tiers, database
sizes) into their own resources; nothing cloud-specific lives here except the optional per-cloud blocks
(`aws:`, ...) that hold settings with no neutral meaning.

These models import no Pulumi module: `kernelctl config validate` and the tests use them directly.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

from cloud_kernel.limits import (
    covers_whole_internet,
    label_key_problems,
    label_value_problems,
    network_problems,
    window_minutes,
)

Environment = Literal["dev", "staging", "prod"]
Provider = Literal["aws", "gcp", "azure", "local"]

# A name that is valid as a suffix of a resource name on every cloud and in Kubernetes: a DNS label.
CLOUD_NAME_PATTERN = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
CloudName = Annotated[str, Field(pattern=CLOUD_NAME_PATTERN, min_length=1, max_length=24)]


def checked(check):
    """An AfterValidator from a function returning problems: the first problems become the error message."""

    def validate(value):
        problems = check(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    return AfterValidator(validate)


def unique_items(values: list) -> list:
    repeated = sorted({str(v) for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"listed more than once: {', '.join(repeated)}")
    return values


def _window(value: str) -> str:
    window_minutes(value)  # raises ValueError with the reason
    return value


LabelKey = Annotated[str, checked(label_key_problems)]
LabelValue = Annotated[str, checked(label_value_problems)]


class Spec(BaseModel):
    """Base of every config model: frozen, unknown keys rejected, camelCase keys in YAML."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=True,
    )


# ----- machine classes ------------------------------------------------------------------------------------
# Cloud-neutral sizes; cloud_kernel.machines maps each one to an instance type per cloud.
MachineClass = Literal[
    "general-small",  # 2 vCPU, 8 GiB
    "general-medium",  # 4 vCPU, 16 GiB
    "general-large",  # 8 vCPU, 32 GiB
    "general-xlarge",  # 16 vCPU, 64 GiB
    "memory-medium",  # 4 vCPU, 32 GiB
    "memory-large",  # 8 vCPU, 64 GiB
    "memory-xlarge",  # 16 vCPU, 128 GiB
    "compute-medium",  # 4 vCPU, 8 GiB
    "compute-large",  # 8 vCPU, 16 GiB
    "compute-xlarge",  # 16 vCPU, 32 GiB
]
GpuClass = Literal["nvidia-t4", "nvidia-a10g", "nvidia-l4", "nvidia-a100"]


class NetworkSpec(Spec):
    """Private network: one private and one public subnet per zone, carved out of `cidr`."""

    cidr: str = "10.0.0.0/16"
    zones: int = Field(3, ge=1, le=6, description="Number of availability zones to spread over.")
    nat: Literal["single", "perZone"] = Field(
        "perZone", description="One NAT gateway for the network (cheap) or one per zone (zone-resilient)."
    )
    private_subnet_prefix: int = Field(19, ge=16, le=28, description="Prefix length of each private subnet.")
    public_subnet_prefix: int = Field(24, ge=16, le=28, description="Prefix length of each public subnet.")
    interface_endpoints: Annotated[list[Annotated[str, Field(pattern=r"^[a-z0-9.-]+$")]], AfterValidator(unique_items)] = Field(
        default_factory=list, description="Private endpoints for cloud APIs (AWS: ecr.api, sts, ...)."
    )
    flow_log_retention_days: int = Field(90, ge=1, le=3653)

    @field_validator("cidr")
    @classmethod
    def _cidr_is_private(cls, value: str) -> str:
        try:
            net = ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"not a network CIDR: {exc}") from None
        problems = network_problems(str(net))
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @model_validator(mode="after")
    def _subnets_fit(self) -> NetworkSpec:
        net = ipaddress.ip_network(self.cidr)
        needed = self.zones * (2 ** (32 - self.private_subnet_prefix) + 2 ** (32 - self.public_subnet_prefix))
        if self.private_subnet_prefix <= net.prefixlen or self.public_subnet_prefix <= net.prefixlen:
            raise ValueError(f"subnet prefixes must be longer than the network's /{net.prefixlen}")
        if needed > net.num_addresses:
            raise ValueError(
                f"{self.zones} zones of /{self.private_subnet_prefix} private and /{self.public_subnet_prefix} "
                f"public subnets need {needed} addresses; {self.cidr} has {net.num_addresses}"
            )
        return self


class ClusterSpec(Spec):
    """Managed Kubernetes control plane."""

    version: Annotated[str, Field(pattern=r"^1\.\d{2}$")] = "1.35"
    public_endpoint: bool = Field(False, description="Expose the API server publicly (never in prod).")
    public_access_cidrs: Annotated[list[str], AfterValidator(unique_items)] = Field(
        default_factory=list, description="Allow-list when public."
    )
    public_access_widest_prefix: int = Field(
        16,
        ge=1,
        le=32,
        description="The allow-list may cover at most as many addresses as one IPv4 /N: wider is refused in prod "
        "and warned about elsewhere. Whatever this says, an allow-list covering the whole internet is refused.",
    )
    private_access_cidrs: list[str] = Field(
        default_factory=list,
        description="Networks allowed to reach the private API endpoint on 443 (a CI runner's subnet, a VPN): "
        "the deployer of a private cluster runs from one of them.",
    )
    log_retention_days: int = Field(90, ge=1, le=3653)
    admins: Annotated[list[str], AfterValidator(unique_items)] = Field(
        default_factory=list, description="Principals (AWS: IAM role ARNs) granted cluster-admin access."
    )

    @field_validator("public_access_cidrs", "private_access_cidrs")
    @classmethod
    def _cidrs(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                ipaddress.ip_network(value, strict=True)
            except ValueError as exc:
                raise ValueError(f"{value!r} is not a CIDR: {exc}") from None
        if covers_whole_internet(values):
            raise ValueError(
                f"{', '.join(values)} together cover the whole internet: this is not an allow-list; name the networks "
                "that may reach the API"
            )
        return values

    @model_validator(mode="after")
    def _public_needs_allow_list(self) -> ClusterSpec:
        if self.public_endpoint and not self.public_access_cidrs:
            raise ValueError("publicEndpoint needs publicAccessCidrs: an open API server is not allowed")
        return self


class Taint(Spec):
    key: LabelKey
    value: LabelValue = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] = "NoSchedule"


class GpuSpec(Spec):
    gpu_class: GpuClass = Field(alias="class")
    count: int = Field(1, ge=1, le=8)


class NodePoolSpec(Spec):
    """A Compute node pool: a cloud-neutral machine class with autoscaling bounds."""

    machine: MachineClass = "general-medium"
    gpu: GpuSpec | None = None
    min_size: int = Field(1, ge=0, le=1000)
    max_size: int = Field(3, ge=1, le=1000)
    desired_size: int | None = Field(None, ge=0, description="Initial size only; the autoscaler owns it after.")
    spot: bool = False
    disk_size_gb: int = Field(100, ge=20, le=16384)
    labels: dict[LabelKey, LabelValue] = Field(default_factory=dict)
    taints: list[Taint] = Field(default_factory=list)
    max_unavailable_percent: int = Field(33, ge=1, le=100, description="Share of nodes replaced at once.")

    @model_validator(mode="after")
    def _bounds(self) -> NodePoolSpec:
        if self.min_size > self.max_size:
            raise ValueError(f"minSize ({self.min_size}) is greater than maxSize ({self.max_size})")
        if self.desired_size is not None and not self.min_size <= self.desired_size <= self.max_size:
            raise ValueError(f"desiredSize ({self.desired_size}) is outside [{self.min_size}, {self.max_size}]")
        pairs = [(t.key, t.effect) for t in self.taints]
        repeated = sorted({f"{k}:{e}" for k, e in pairs if pairs.count((k, e)) > 1})
        if repeated:
            raise ValueError(f"taints must be unique by key and effect; repeated: {', '.join(repeated)}")
        return self


# Per cloud and tier, the most IOPS a 1 GiB volume may have (a fixed `iops` must fit every claim).
FIXED_IOPS_AT_ONE_GIB: dict[str, dict[str, int]] = {
    "aws": {"fast": 1000, "standard": 3000},
    "azure": {"fast": 3000},
}


class VolumeClassSpec(Spec):
    """A Volume storage class; `tier` picks the cloud's disk type."""

    tier: Literal["standard", "fast", "shared"] = Field(
        "standard", description="standard: SSD block (gp3); fast: provisioned IOPS (io2); shared: ReadWriteMany."
    )
    default: bool = False
    reclaim_policy: Literal["Delete", "Retain"] = "Delete"
    iops: int | None = Field(None, ge=100, le=256000, description="Fixed IOPS of every volume of the class.")
    iops_per_gb: int | None = Field(
        None, ge=1, le=1000, description="IOPS per GiB of claim (fast tier); raised to the disk's minimum for small claims."
    )

    @model_validator(mode="after")
    def _iops_combination(self) -> VolumeClassSpec:
        if self.iops_per_gb is not None and self.tier != "fast":
            raise ValueError("iopsPerGb applies to the fast tier (io2) only")
        if self.iops is not None and self.iops_per_gb is not None:
            raise ValueError("set either iops or iopsPerGb, not both")
        return self


class VolumesSpec(Spec):
    classes: dict[CloudName, VolumeClassSpec] = Field(
        default_factory=lambda: {"standard": VolumeClassSpec(tier="standard", default=True)}
    )

    @model_validator(mode="after")
    def _one_default(self) -> VolumesSpec:
        defaults = [name for name, spec in self.classes.items() if spec.default]
        if len(defaults) != 1:
            raise ValueError(f"exactly one volume class must be the default, found {len(defaults)}")
        return self

    @property
    def shared_enabled(self) -> bool:
        return any(spec.tier == "shared" for spec in self.classes.values())


class LakehouseBucketSpec(Spec):
    """An object-storage bucket holding Iceberg warehouses."""

    noncurrent_version_days: int = Field(30, ge=1, le=3650)
    abort_multipart_days: int = Field(7, ge=1, le=365)
    archive_after_days: int | None = Field(None, ge=30, description="Move current objects to a cold tier.")


class PostgresSpec(Spec):
    """A managed PostgreSQL instance."""

    engine: Literal["postgres", "aurora"] = "postgres"
    version: Annotated[str, Field(pattern=r"^1[3-8]$")] = "16"
    size: Literal["small", "medium", "large", "xlarge"] = "small"
    storage_gb: int = Field(50, ge=20, le=65536)
    max_storage_gb: int = Field(200, ge=20, le=65536)
    high_availability: bool = False
    backup_retention_days: int = Field(7, ge=7, le=35)
    deletion_protection: bool = True
    backup_window: Annotated[str, Field(pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$"), AfterValidator(_window)] = Field(
        "02:00-03:00", description="Daily backup window, UTC: hh:mm-hh:mm."
    )
    maintenance_window: Annotated[
        str,
        Field(pattern=r"^(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}-(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}$"),
        AfterValidator(_window),
    ] = Field("sun:03:30-sun:04:30", description="Weekly maintenance window, UTC: ddd:hh:mm-ddd:hh:mm.")

    @model_validator(mode="after")
    def _storage(self) -> PostgresSpec:
        if self.max_storage_gb < self.storage_gb:
            raise ValueError(f"maxStorageGb ({self.max_storage_gb}) is less than storageGb ({self.storage_gb})")
        return self


AwsAddon = Literal["vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver", "aws-efs-csi-driver"]


class AwsSpec(Spec):
    """`aws:` settings with no cloud-neutral meaning; only the AWS backend reads them. All optional."""

    addon_versions: dict[AwsAddon, Annotated[str, Field(pattern=r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")]] = Field(
        default_factory=dict,
        description="Pin EKS add-on versions (else the backend's table for the cluster version applies).",
    )
    grant_deployer_admin: bool = Field(
        True,
        description="Give the IAM role running Pulumi a cluster-admin access entry (it applies the Kubernetes "
        "objects). Turn off when that role is already listed in cluster.admins.",
    )
    kms_deletion_window_days: int = Field(30, ge=7, le=30)
    access_log_retention_days: int = Field(365, ge=1, le=3653, description="S3 server access logs lifetime.")
    performance_insights_retention_days: Literal[7, 31, 93, 186, 372, 731] = 7


GcpReleaseChannel = Literal["RAPID", "REGULAR", "STABLE"]


class GcpSpec(Spec):
    """`gcp:` settings with no cloud-neutral meaning; only the GCP backend reads them.

    `project` is required when `provider` is gcp (the backend names every resource's project explicitly)."""

    project: Annotated[str, Field(pattern=r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")] | None = Field(
        None, description="The Google Cloud project that holds the stack's resources."
    )
    deployer_cidrs: list[str] = Field(
        default_factory=list,
        description="Networks (a CI runner's subnet, a VPN range) allowed to reach the private GKE control-plane "
        "endpoint: the cluster's master authorized networks.",
    )
    release_channel: GcpReleaseChannel = "REGULAR"
    maintenance_start: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = Field(
        "03:00", description="GKE maintenance window start (UTC), four hours on Saturdays and Sundays."
    )
    pods_prefix: int = Field(17, ge=12, le=24, description="Prefix length of the pods secondary range.")
    services_prefix: int = Field(22, ge=16, le=27, description="Prefix length of the services secondary range.")
    private_services_prefix: int = Field(
        20, ge=16, le=24, description="Prefix length of the range reserved for private services (Cloud SQL, Filestore)."
    )
    key_rotation_days: int = Field(90, ge=1, le=3650, description="Cloud KMS automatic rotation period.")
    access_log_retention_days: int = Field(365, ge=1, le=3653, description="Storage access logs lifetime.")
    soft_delete_days: int = Field(7, ge=7, le=90, description="How long deleted lakehouse objects stay recoverable.")

    @field_validator("deployer_cidrs")
    @classmethod
    def _deployer_cidrs(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                ipaddress.ip_network(value, strict=True)
            except ValueError as exc:
                raise ValueError(f"{value!r} is not a CIDR: {exc}") from None
        return values
class LocalSpec(Spec):
    """`local:` settings of the `local` provider: a Kubernetes cluster that already exists (the test control plane
    of `make cluster`, kind, k3d, on-prem). It creates no cloud resource: StorageClasses for the volume classes,
    a CloudNativePG `Cluster` per postgres entry and a MinIO `Tenant` per lakehouse entry. Those operators
    (their CRDs) must already be installed in the cluster."""

    kubeconfig: str | None = Field(
        None, description="Path of the kubeconfig file; unset: $KUBECONFIG, else ~/.kube/config (never inlined)."
    )
    context: str | None = Field(None, description="kubeconfig context; unset: its current-context.")
    cluster_name: CloudName = Field("local", description="Names the cluster in the platform context and outputs.")
    storage_provisioner: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(/[-a-z0-9.]+)?$")] = Field(
        "rancher.io/local-path", description="Provisioner of the StorageClasses created for the volume classes."
    )
    data_namespace: CloudName = Field(
        "cloud-kernel-data", description="Namespace of the Postgres clusters and object-store tenants."
    )
    postgres_image_repository: str = Field(
        "ghcr.io/cloudnative-pg/postgresql", description="CloudNativePG operand image; the tag is the major version."
    )


AzureDay = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class AzureSystemPoolSpec(Spec):
    """The AKS system pool, declared inline on the cluster and tainted CriticalAddonsOnly (system pods only)."""

    machine: MachineClass = "general-medium"
    min_size: int = Field(2, ge=1, le=100)
    max_size: int = Field(3, ge=1, le=100)

    @model_validator(mode="after")
    def _bounds(self) -> AzureSystemPoolSpec:
        if self.min_size > self.max_size:
            raise ValueError(f"minSize ({self.min_size}) is greater than maxSize ({self.max_size})")
        return self


class AzureSpec(Spec):
    """`azure:` settings with no cloud-neutral meaning; only the Azure backend reads them. All optional."""

    system_pool: AzureSystemPoolSpec = Field(default_factory=AzureSystemPoolSpec)
    deployer_network_id: Annotated[
        str, Field(pattern=r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+$")
    ] | None = Field(
        None,
        description="Resource ID of the VNet the deployer (CI runner) runs in. With a private cluster it is peered "
        "with the platform VNet and linked to the cluster's private DNS zone, so `pulumi up` reaches the API server.",
    )
    grant_deployer_admin: bool = Field(
        True, description="Give the principal running Pulumi the 'Azure Kubernetes Service RBAC Cluster Admin' role."
    )
    key_vault_retention_days: int = Field(90, ge=7, le=90, description="Soft-delete retention of the Key Vault.")
    maintenance_day: AzureDay = "Sunday"
    maintenance_start_hour: int = Field(2, ge=0, le=23, description="UTC hour the weekly upgrade windows open.")


class CloudKernelSpec(Spec):
    """`cloud-kernel:cloud`: everything the cloud kernel provisions for one environment."""

    provider: Provider
    # AWS and GCP regions end in a digit (eu-west-1, europe-west4), Azure regions need not (westeurope); the
    # `local` provider has no region: it defaults to "local" there and is required everywhere else.
    region: Annotated[str, Field(pattern=r"^[a-z]+[a-z0-9-]*[a-z0-9]$")]
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    cluster: ClusterSpec = Field(default_factory=ClusterSpec)
    node_pools: dict[CloudName, NodePoolSpec] = Field(min_length=1)
    volumes: VolumesSpec = Field(default_factory=VolumesSpec)
    lakehouse: dict[CloudName, LakehouseBucketSpec] = Field(default_factory=dict)
    postgres: dict[CloudName, PostgresSpec] = Field(default_factory=dict)
    aws: AwsSpec = Field(default_factory=AwsSpec)
    gcp: GcpSpec = Field(default_factory=GcpSpec)
    local: LocalSpec = Field(default_factory=LocalSpec)
    azure: AzureSpec = Field(default_factory=AzureSpec)

    # GCP rules: field validators (the provider is validated first), so errors carry their key path.
    @field_validator("volumes")
    @classmethod
    def _gcp_volumes(cls, value: VolumesSpec, info: ValidationInfo) -> VolumesSpec:
        if info.data.get("provider") == "gcp":
            for key, volume in value.classes.items():
                if volume.iops is not None:
                    raise ValueError(f"classes.{key}.iops: GCP persistent disks scale IOPS with size; remove it")
        return value

    @field_validator("postgres")
    @classmethod
    def _gcp_postgres(cls, value: dict[str, PostgresSpec], info: ValidationInfo) -> dict[str, PostgresSpec]:
        if info.data.get("provider") == "gcp":
            for key, db in value.items():
                if db.engine != "postgres":
                    raise ValueError(f"{key}.engine: {db.engine} is an AWS engine; Cloud SQL runs postgres")
        return value

    @field_validator("gcp")
    @classmethod
    def _gcp_project(cls, value: GcpSpec, info: ValidationInfo) -> GcpSpec:
        if info.data.get("provider") == "gcp" and value.project is None:
            raise ValueError("project is required when provider is gcp")
        return value

    @model_validator(mode="before")
    @classmethod
    def _local_region(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("provider") == "local" and "region" not in data:
            return {**data, "region": "local"}
        return data

    @model_validator(mode="after")
    def _iops_fit_every_claim(self) -> CloudKernelSpec:
        # A fixed rate must be valid for the smallest claim (1 GiB): on AWS io2 allows 1,000 IOPS per GiB and gp3
        # 3,000 IOPS at any size; Azure Premium SSD v2 gives 3,000 at any size. Claims under iops/ratio GiB would
        # fail to provision.
        limits = FIXED_IOPS_AT_ONE_GIB.get(self.provider, {})
        for key, volume in sorted(self.volumes.classes.items()):
            limit = limits.get(volume.tier)
            if volume.iops is not None and limit is not None and volume.iops > limit:
                raise ValueError(
                    f"volumes.classes.{key}: iops {volume.iops} fails for small claims ({volume.tier}: at most "
                    f"{limit} for a 1 GiB volume); use iopsPerGb to scale IOPS with the claim size"
                )
        return self

    @model_validator(mode="after")
    def _local_limits(self) -> CloudKernelSpec:
        if self.provider != "local":
            return self
        if self.lakehouse:
            raise ValueError(
                "lakehouse: the local provider provisions no object storage yet (a MinIO Tenant needs the MinIO "
                "operator's CRD, which this release cannot test against); leave it empty"
            )
        if self.volumes.shared_enabled:
            raise ValueError("volumes: the local provider has no ReadWriteMany storage; drop the `shared` tier")
        return self

    @field_validator("node_pools")
    @classmethod
    def _azure_pools(cls, pools: dict[str, NodePoolSpec], info: ValidationInfo) -> dict[str, NodePoolSpec]:
        if info.data.get("provider") == "azure" and "system" in pools:
            raise ValueError("on Azure `system` is the inline AKS system pool (azure.systemPool); rename this pool")
        return pools

    @field_validator("postgres")
    @classmethod
    def _azure_postgres(cls, databases: dict[str, PostgresSpec], info: ValidationInfo) -> dict[str, PostgresSpec]:
        if info.data.get("provider") != "azure":
            return databases
        problems = []
        for key, db in sorted(databases.items()):
            if db.engine != "postgres":
                problems.append(f"{key}.engine {db.engine!r} exists only on AWS; use postgres")
            if db.high_availability and db.size == "small":
                problems.append(f"{key}: size small is burstable on Azure, which has no high availability")
        if problems:
            raise ValueError("; ".join(problems))
        return databases


IdentityCapability = Literal["load-balancers", "node-autoscaling", "dns"]


class IdentityRequest(Spec):
    """A workload identity an upper layer asks the cloud kernel for (IRSA role, GCP SA, Azure UAMI).

    The wiring in `infra/program.py` derives these from the core and user-space config, so the cloud kernel
    never has to know which services exist above it.
    """

    name: Annotated[str, Field(pattern=CLOUD_NAME_PATTERN, min_length=1, max_length=40)]
    namespace: str
    service_account: str
    buckets: dict[str, Literal["read", "readwrite"]] = Field(
        default_factory=dict, description="Lakehouse bucket key -> access, limited to `prefix`."
    )
    prefix: str = ""
    secrets_read: bool = Field(False, description="May read the cloud secret manager (the secret store).")
    secrets_prefix: str = Field("", description="Limits secret reads to names under this prefix.")
    database_admin_secrets: bool = Field(
        False,
        description="May read the admin credentials of the stack's Postgres instances, wherever the cloud keeps "
        "them (AWS: the RDS-managed Secrets Manager secrets and their KMS key).",
    )
    capabilities: list[IdentityCapability] = Field(
        default_factory=list,
        description="Cluster add-on duties, each granted for this cluster's resources only (AWS: load-balancers = "
        "the AWS Load Balancer Controller, node-autoscaling = the cluster autoscaler on the node groups, dns = "
        "records in `dnsZone`).",
    )
    dns_zone: str = Field("", description="The DNS zone the `dns` capability may change (AWS: hosted zone id).")

    @model_validator(mode="after")
    def _dns_needs_a_zone(self) -> IdentityRequest:
        if ("dns" in self.capabilities) != bool(self.dns_zone):
            raise ValueError("the dns capability and dnsZone go together")
        return self
