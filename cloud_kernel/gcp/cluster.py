"""`cloud-kernel:gcp:Cluster`: a regional GKE Standard cluster with the secure defaults of Google's
`safer-cluster` and cloud-foundation-fabric's `gke-cluster-standard`.

- Private nodes always; in prod (`cluster.publicEndpoint: false`) the control plane has only its private
  endpoint. Master authorized networks are enforced on it too: `gcp.deployerCidrs` (the CI runner's subnet or
  VPN that runs `pulumi up`) and, with a public endpoint, `cluster.publicAccessCidrs`; Google's public ranges
  get no access.
- Workload Identity (`<project>.svc.id.goog`), no client certificate, no legacy ABAC, shielded nodes,
  Kubernetes Secrets encrypted with the `cluster` CMEK.
- Dataplane V2 (eBPF, enforces the core kernel's NetworkPolicies), VPC-native from the subnet's secondary
  ranges; logs of system components, API server, controller manager, scheduler and workloads.
- A release channel and a weekend maintenance window; the PD CSI driver always, the Filestore CSI driver
  when a shared volume class exists; Google Managed Prometheus off (the core kernel runs Prometheus).
- The default node pool is removed at creation (node pools are separate resources, `node_pools.py`); its
  one-off nodes still get the hardened node config, so not even those run with the default compute account.
- Deletion protection in prod, and `protect`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp as gcp

from cloud_kernel.gcp.network import PODS_RANGE, SERVICES_RANGE
from cloud_kernel.gcp.providers import GcpEnv
from cloud_kernel.specs import ClusterSpec, GcpSpec

LOG_COMPONENTS = ["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER", "WORKLOADS"]
MAINTENANCE_RECURRENCE = "FREQ=WEEKLY;BYDAY=SA,SU"
MAINTENANCE_HOURS = 4
MAX_PODS_PER_NODE = 110
# Least privilege for nodes: Google's predefined role for GKE node service accounts (logs, metrics,
# resource metadata), plus pulling images from Artifact Registry.
NODE_ROLES = ("roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader")
# Only the API's own scopes gate nothing; IAM roles above are the real boundary (Google's recommendation).
NODE_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]


def maintenance_window(start: str) -> tuple[str, str]:
    """RFC 3339 start and end of the recurring window (the date only anchors the time of day)."""
    hour, minute = (int(part) for part in start.split(":"))
    end_day, end_hour = (4, hour + MAINTENANCE_HOURS) if hour + MAINTENANCE_HOURS < 24 else (5, hour + MAINTENANCE_HOURS - 24)
    return f"2025-01-04T{hour:02d}:{minute:02d}:00Z", f"2025-01-0{end_day}T{end_hour:02d}:{minute:02d}:00Z"


def authorized_networks(spec: ClusterSpec, gcp_spec: GcpSpec) -> list[gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs]:
    blocks = [(cidr, "deployer") for cidr in gcp_spec.deployer_cidrs]
    if spec.public_endpoint:
        blocks += [(cidr, "public-access") for cidr in spec.public_access_cidrs]
    return [
        gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(cidr_block=cidr, display_name=f"{label}-{i + 1}")
        for i, (cidr, label) in enumerate(sorted(set(blocks)))
    ]


def node_service_account(name: str, env: GcpEnv, account_id: str, description: str, parent: pulumi.Resource) -> gcp.serviceaccount.Account:
    """A dedicated node service account with `NODE_ROLES` only."""
    account = gcp.serviceaccount.Account(
        name,
        account_id=env.short_name(account_id, 30),
        project=env.gcp_project,
        display_name=description,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    for role in NODE_ROLES:
        gcp.projects.IAMMember(
            f"{name}-{role.rsplit('.', 1)[-1]}",
            project=env.gcp_project,
            role=role,
            member=account.member,
            opts=pulumi.ResourceOptions(parent=parent),
        )
    return account


def hardened_node_config(
    service_account: pulumi.Input[str], boot_disk_key: pulumi.Input[str], **kwargs: object
) -> dict[str, object]:
    """The node settings every pool shares: own service account, CMEK boot disk, shielded VM, GKE metadata
    server (pods see only their own Workload Identity), no legacy metadata endpoints."""
    return dict(
        service_account=service_account,
        oauth_scopes=NODE_SCOPES,
        boot_disk_kms_key=boot_disk_key,
        image_type="COS_CONTAINERD",
        metadata={"disable-legacy-endpoints": "true"},
        **kwargs,
    )


def control_plane_args(env: GcpEnv, spec: ClusterSpec, gcp_spec: GcpSpec, secrets_key: pulumi.Input[str]) -> dict[str, object]:
    """Who reaches the API server and how it keeps its secrets."""
    return dict(
        private_cluster_config=gcp.container.ClusterPrivateClusterConfigArgs(
            enable_private_nodes=True,
            enable_private_endpoint=not spec.public_endpoint,
            master_global_access_config=gcp.container.ClusterPrivateClusterConfigMasterGlobalAccessConfigArgs(enabled=False),
        ),
        master_authorized_networks_config=gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
            cidr_blocks=authorized_networks(spec, gcp_spec),
            gcp_public_cidrs_access_enabled=False,
            private_endpoint_enforcement_enabled=True,
        ),
        master_auth=gcp.container.ClusterMasterAuthArgs(
            client_certificate_config=gcp.container.ClusterMasterAuthClientCertificateConfigArgs(issue_client_certificate=False)
        ),
        workload_identity_config=gcp.container.ClusterWorkloadIdentityConfigArgs(workload_pool=env.workload_pool),
        database_encryption=gcp.container.ClusterDatabaseEncryptionArgs(state="ENCRYPTED", key_name=secrets_key),
        enable_legacy_abac=False,
        enable_shielded_nodes=True,
        security_posture_config=gcp.container.ClusterSecurityPostureConfigArgs(mode="BASIC", vulnerability_mode="VULNERABILITY_BASIC"),
    )


def operations_args(gcp_spec: GcpSpec, filestore: bool) -> dict[str, object]:
    """Upgrades, maintenance, logging, monitoring and the managed add-ons."""
    start, end = maintenance_window(gcp_spec.maintenance_start)
    return dict(
        release_channel=gcp.container.ClusterReleaseChannelArgs(channel=gcp_spec.release_channel),
        maintenance_policy=gcp.container.ClusterMaintenancePolicyArgs(
            recurring_window=gcp.container.ClusterMaintenancePolicyRecurringWindowArgs(
                start_time=start, end_time=end, recurrence=MAINTENANCE_RECURRENCE
            )
        ),
        logging_config=gcp.container.ClusterLoggingConfigArgs(enable_components=LOG_COMPONENTS),
        monitoring_config=gcp.container.ClusterMonitoringConfigArgs(
            enable_components=["SYSTEM_COMPONENTS"],
            managed_prometheus=gcp.container.ClusterMonitoringConfigManagedPrometheusArgs(enabled=False),
        ),
        addons_config=gcp.container.ClusterAddonsConfigArgs(
            gce_persistent_disk_csi_driver_config=gcp.container.ClusterAddonsConfigGcePersistentDiskCsiDriverConfigArgs(enabled=True),
            gcp_filestore_csi_driver_config=gcp.container.ClusterAddonsConfigGcpFilestoreCsiDriverConfigArgs(enabled=filestore),
            http_load_balancing=gcp.container.ClusterAddonsConfigHttpLoadBalancingArgs(disabled=False),
            horizontal_pod_autoscaling=gcp.container.ClusterAddonsConfigHorizontalPodAutoscalingArgs(disabled=False),
            # Dataplane V2 enforces NetworkPolicies itself; the Calico add-on must stay off with it.
            network_policy_config=gcp.container.ClusterAddonsConfigNetworkPolicyConfigArgs(disabled=True),
            # NodeLocal DNSCache answers on a link-local address the default-deny policies do not admit.
            dns_cache_config=gcp.container.ClusterAddonsConfigDnsCacheConfigArgs(enabled=False),
        ),
    )


class Cluster(pulumi.ComponentResource):
    cluster: gcp.container.Cluster

    def __init__(
        self,
        name: str,
        env: GcpEnv,
        spec: ClusterSpec,
        gcp_spec: GcpSpec,
        *,
        network: pulumi.Input[str],
        subnet: pulumi.Input[str],
        zones: pulumi.Input[Sequence[str]],
        secrets_key: pulumi.Input[str],
        volumes_key: pulumi.Input[str],
        filestore: bool,
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:gcp:Cluster", name, None, opts)
        self.version = spec.version
        bootstrap = node_service_account(f"{name}-bootstrap-nodes", env, "gke-bootstrap", f"{env.prefix}: GKE bootstrap nodes", self)
        self.cluster = gcp.container.Cluster(
            f"{name}-gke",
            name=env.cluster_name,
            project=env.gcp_project,
            location=env.region,
            node_locations=zones,
            min_master_version=spec.version,
            network=network,
            subnetwork=subnet,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy=gcp.container.ClusterIpAllocationPolicyArgs(
                cluster_secondary_range_name=PODS_RANGE, services_secondary_range_name=SERVICES_RANGE, stack_type="IPV4"
            ),
            default_max_pods_per_node=MAX_PODS_PER_NODE,
            datapath_provider="ADVANCED_DATAPATH",
            **control_plane_args(env, spec, gcp_spec, secrets_key),
            **operations_args(gcp_spec, filestore),
            remove_default_node_pool=True,
            initial_node_count=1,
            node_config=gcp.container.ClusterNodeConfigArgs(
                **hardened_node_config(bootstrap.email, volumes_key),
                disk_type="pd-balanced",
                shielded_instance_config=gcp.container.ClusterNodeConfigShieldedInstanceConfigArgs(
                    enable_secure_boot=True, enable_integrity_monitoring=True
                ),
                workload_metadata_config=gcp.container.ClusterNodeConfigWorkloadMetadataConfigArgs(mode="GKE_METADATA"),
            ),
            deletion_protection=env.production,
            resource_labels=env.labels,
            opts=env.stateful(
                self,
                depends_on=list(depends_on),
                # The removed default pool's settings and the auto-upgraded version are GKE's after creation.
                ignore_changes=["nodeConfig", "initialNodeCount", "minMasterVersion"],
            ),
        )
        self.name = self.cluster.name
        self.endpoint = self.cluster.endpoint
        self.ca_data = self.cluster.master_auth.apply(lambda auth: auth.cluster_ca_certificate)
        self.issuer = pulumi.Output.concat(
            "https://container.googleapis.com/v1/projects/", env.gcp_project, "/locations/", env.region, "/clusters/", self.cluster.name
        )
        self.register_outputs({"name": self.name, "endpoint": self.endpoint, "oidcIssuer": self.issuer})
