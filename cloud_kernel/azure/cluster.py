"""`cloud-kernel:azure:Cluster`: the AKS cluster, on the AKS secure baseline.

- Private cluster (API server only on a private endpoint, its own private DNS zone, no public FQDN) unless
  `cluster.publicEndpoint` is on, and then only from `cluster.publicAccessCidrs` (authorized IP ranges).
- Entra ID integration with Azure RBAC for Kubernetes, local accounts disabled: `cluster.admins` are Entra
  group object IDs; the deployer gets `Azure Kubernetes Service RBAC Cluster Admin` unless turned off.
- OIDC issuer and workload identity; Kubernetes secrets encrypted in etcd with the `cluster` Key Vault key
  (KMS, private vault access); node OS disks through the disk encryption set.
- Azure CNI overlay with the Cilium dataplane and network policy; egress through the VNet's NAT gateway
  (`userAssignedNATGateway`, no public load balancer for outbound).
- Auto-upgrade channels `patch` and `NodeImage`, each with a weekly maintenance configuration.
- Disk, file and blob CSI drivers and the snapshot controller; image cleaner on.
- Standard tier (financially backed SLA) in prod, Free elsewhere.
- Control-plane logs (API server, audit, controller manager, scheduler, autoscaler, Entra guard) into a
  Log Analytics workspace with a retention.
- Only the system pool is inline (tainted `CriticalAddonsOnly=true:NoSchedule`); every other pool is an
  `AgentPool` resource (`node_pools.py`), never both. The autoscaler owns the system pool's count.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_azure_native.containerservice as containerservice
import pulumi_azure_native.managedidentity as managedidentity
import pulumi_azure_native.monitor as monitor
import pulumi_azure_native.operationalinsights as operationalinsights

from cloud_kernel.azure import node_pools
from cloud_kernel.azure.network import DNS_SERVICE_IP, POD_CIDR, SERVICE_CIDR, Network
from cloud_kernel.azure.providers import AzureEnv
from cloud_kernel.specs import AzureSpec, ClusterSpec

SYSTEM_POOL = "system"
SYSTEM_TAINT = "CriticalAddonsOnly=true:NoSchedule"
CONTROL_PLANE_LOGS = ["kube-apiserver", "kube-audit-admin", "kube-controller-manager", "kube-scheduler", "cluster-autoscaler", "guard"]
MIN_LOG_RETENTION_DAYS = 30  # the Log Analytics minimum on the PerGB2018 SKU


def api_server_access(spec: ClusterSpec, private_dns_zone_id: pulumi.Input[str] | None) -> containerservice.ManagedClusterAPIServerAccessProfileArgs:
    if spec.public_endpoint:
        return containerservice.ManagedClusterAPIServerAccessProfileArgs(
            enable_private_cluster=False, authorized_ip_ranges=list(spec.public_access_cidrs), disable_run_command=True
        )
    return containerservice.ManagedClusterAPIServerAccessProfileArgs(
        enable_private_cluster=True,
        private_dns_zone=private_dns_zone_id,
        enable_private_cluster_public_fqdn=False,
        disable_run_command=True,
    )


def system_pool(env: AzureEnv, azure: AzureSpec, subnet_id: pulumi.Input[str]) -> containerservice.ManagedClusterAgentPoolProfileArgs:
    pool = azure.system_pool
    vm_size = node_pools.cpu_vm_size(pool.machine)
    os_disk_gb = 128
    return containerservice.ManagedClusterAgentPoolProfileArgs(
        name=SYSTEM_POOL,
        mode="System",
        type="VirtualMachineScaleSets",
        vm_size=vm_size,
        os_type="Linux",
        os_sku="AzureLinux",
        os_disk_type=node_pools.os_disk_type(vm_size, os_disk_gb),
        os_disk_size_gb=os_disk_gb,
        enable_auto_scaling=True,
        count=pool.min_size,
        min_count=pool.min_size,
        max_count=pool.max_size,
        availability_zones=env.zone_names,
        vnet_subnet_id=subnet_id,
        enable_encryption_at_host=True,
        enable_node_public_ip=False,
        node_taints=[SYSTEM_TAINT],
        upgrade_settings=containerservice.AgentPoolUpgradeSettingsArgs(max_surge="33%"),
        tags=env.tags,
    )


def security_profile(kms_key_uri: pulumi.Input[str], vault_id: pulumi.Input[str]) -> containerservice.ManagedClusterSecurityProfileArgs:
    return containerservice.ManagedClusterSecurityProfileArgs(
        workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True),
        azure_key_vault_kms=containerservice.AzureKeyVaultKmsArgs(
            enabled=True, key_id=kms_key_uri, key_vault_network_access="Private", key_vault_resource_id=vault_id
        ),
        image_cleaner=containerservice.ManagedClusterSecurityProfileImageCleanerArgs(enabled=True, interval_hours=168),
    )


def network_profile() -> containerservice.ContainerServiceNetworkProfileArgs:
    return containerservice.ContainerServiceNetworkProfileArgs(
        network_plugin="azure",
        network_plugin_mode="overlay",
        network_dataplane="cilium",
        network_policy="cilium",
        outbound_type="userAssignedNATGateway",
        load_balancer_sku="standard",
        pod_cidr=POD_CIDR,
        service_cidr=SERVICE_CIDR,
        dns_service_ip=DNS_SERVICE_IP,
    )


def storage_profile() -> containerservice.ManagedClusterStorageProfileArgs:
    return containerservice.ManagedClusterStorageProfileArgs(
        disk_csi_driver=containerservice.ManagedClusterStorageProfileDiskCSIDriverArgs(enabled=True),
        file_csi_driver=containerservice.ManagedClusterStorageProfileFileCSIDriverArgs(enabled=True),
        blob_csi_driver=containerservice.ManagedClusterStorageProfileBlobCSIDriverArgs(enabled=True),
        snapshot_controller=containerservice.ManagedClusterStorageProfileSnapshotControllerArgs(enabled=True),
    )


def maintenance_window(azure: AzureSpec) -> containerservice.MaintenanceWindowArgs:
    return containerservice.MaintenanceWindowArgs(
        schedule=containerservice.ScheduleArgs(
            weekly=containerservice.WeeklyScheduleArgs(day_of_week=azure.maintenance_day, interval_weeks=1)
        ),
        duration_hours=4,
        start_time=f"{azure.maintenance_start_hour:02d}:00",
        utc_offset="+00:00",
    )


class Cluster(pulumi.ComponentResource):
    cluster: containerservice.ManagedCluster

    def __init__(
        self,
        name: str,
        env: AzureEnv,
        spec: ClusterSpec,
        azure: AzureSpec,
        *,
        network: Network,
        identity: managedidentity.UserAssignedIdentity,
        kms_key_uri: pulumi.Input[str],
        vault_id: pulumi.Input[str],
        disk_encryption_set_id: pulumi.Input[str],
        depends_on: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:azure:Cluster", name, None, opts)
        self.version = spec.version
        self.private = not spec.public_endpoint
        self.workspace = operationalinsights.Workspace(
            f"{name}-logs",
            workspace_name=f"{env.prefix}-logs",
            resource_group_name=env.resource_group_name,
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=max(spec.log_retention_days, MIN_LOG_RETENTION_DAYS),
            features=operationalinsights.WorkspaceFeaturesArgs(disable_local_auth=True),
            tags=env.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        grants = self._identity_grants(name, env, network, identity, disk_encryption_set_id)
        self.cluster = self._cluster(name, env, spec, azure, network, identity, kms_key_uri, vault_id,
                                     disk_encryption_set_id, [*grants, *depends_on])
        self.name = self.cluster.name
        self.id = self.cluster.id
        self.issuer = self.cluster.oidc_issuer_profile.apply(lambda p: p.issuer_url if p else "")
        self.endpoint = pulumi.Output.all(self.cluster.private_fqdn, self.cluster.fqdn).apply(
            lambda fqdns: f"https://{fqdns[0] if self.private else fqdns[1]}:443"
        )
        self.ready = self._operations(name, env, spec, azure)
        self.register_outputs({"name": self.name, "endpoint": self.endpoint, "oidcIssuer": self.issuer})

    def _cluster(self, name: str, env: AzureEnv, spec: ClusterSpec, azure: AzureSpec, network: Network,
                 identity: managedidentity.UserAssignedIdentity, kms_key_uri: pulumi.Input[str], vault_id: pulumi.Input[str],
                 disk_encryption_set_id: pulumi.Input[str], depends_on: list[pulumi.Resource]) -> containerservice.ManagedCluster:
        dns_zone = network.dns_zones["aks"].id if self.private else None
        return containerservice.ManagedCluster(
            f"{name}-aks",
            resource_name_=env.prefix,
            resource_group_name=env.resource_group_name,
            dns_prefix=env.prefix,
            kubernetes_version=spec.version,
            node_resource_group=f"{env.prefix}-nodes",
            sku=containerservice.ManagedClusterSKUArgs(name="Base", tier="Standard" if env.production else "Free"),
            support_plan="KubernetesOfficial",
            identity=containerservice.ManagedClusterIdentityArgs(type="UserAssigned", user_assigned_identities=[identity.id]),
            agent_pool_profiles=[system_pool(env, azure, network.subnet_id("nodes"))],
            aad_profile=containerservice.ManagedClusterAADProfileArgs(
                managed=True, enable_azure_rbac=True, tenant_id=env.tenant_id, admin_group_object_ids=sorted(spec.admins)
            ),
            disable_local_accounts=True,
            enable_rbac=True,
            oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=security_profile(kms_key_uri, vault_id),
            network_profile=network_profile(),
            api_server_access_profile=api_server_access(spec, dns_zone),
            auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel="patch", node_os_upgrade_channel="NodeImage"
            ),
            storage_profile=storage_profile(),
            disk_encryption_set_id=disk_encryption_set_id,
            tags=env.tags,
            opts=env.stateful(
                self,
                depends_on=depends_on,
                # The autoscaler owns the system pool's node count; config owns its bounds.
                ignore_changes=["agentPoolProfiles[0].count"],
            ),
        )

    def _identity_grants(self, name: str, env: AzureEnv, network: Network, identity: managedidentity.UserAssignedIdentity,
                         disk_encryption_set_id: pulumi.Input[str]) -> list[pulumi.Resource]:
        """The control-plane identity joins nodes to the VNet subnet, links its private DNS zone and reads the
        disk encryption set; nothing else."""
        grants = [
            env.grant(f"{name}-network", "Network Contributor", principal_id=identity.principal_id, scope=network.vnet.id, parent=self),
            env.grant(f"{name}-des-reader", "Reader", principal_id=identity.principal_id, scope=disk_encryption_set_id, parent=self),
        ]
        if self.private:
            grants.append(
                env.grant(f"{name}-private-dns", "Private DNS Zone Contributor", principal_id=identity.principal_id,
                          scope=network.dns_zones["aks"].id, parent=self)
            )
        return grants

    def _operations(self, name: str, env: AzureEnv, spec: ClusterSpec, azure: AzureSpec) -> list[pulumi.Resource]:
        """Diagnostic logs, maintenance windows and cluster-admin role assignments."""
        child = pulumi.ResourceOptions(parent=self)
        resources: list[pulumi.Resource] = [
            monitor.DiagnosticSetting(
                f"{name}-diagnostics",
                name="control-plane",
                resource_uri=self.cluster.id,
                workspace_id=self.workspace.id,
                log_analytics_destination_type="Dedicated",
                logs=[monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True) for c in CONTROL_PLANE_LOGS],
                opts=child,
            )
        ]
        for config in ("aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"):
            resources.append(
                containerservice.MaintenanceConfiguration(
                    f"{name}-{config}",
                    config_name=config,
                    resource_name_=self.cluster.name,
                    resource_group_name=env.resource_group_name,
                    maintenance_window=maintenance_window(azure),
                    opts=child,
                )
            )
        if azure.grant_deployer_admin:
            resources.append(
                env.grant(f"{name}-admin-deployer", "Azure Kubernetes Service RBAC Cluster Admin",
                          principal_id=env.deployer_object_id, scope=self.cluster.id, parent=self,
                          principal_type=None)  # a user or a pipeline's service principal
            )
        return resources
