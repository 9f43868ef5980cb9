"""`cloud-kernel:azure:Network`: the VNet of the stack, its subnets, egress and private DNS.

- Subnets come from the pure planner `cloud_kernel.cidr` (blocks never move when the config grows): `nodes`
  (AKS nodes; pods use the Azure CNI overlay range, not VNet addresses), `endpoints` (private endpoints, with
  network policies on so their NSG applies) and `postgres` (delegated to `Microsoft.DBforPostgreSQL/
  flexibleServers`). Subnets are separate resources, never inline in the VNet (declaring both fights).
- No default outbound access on any subnet: the nodes subnet leaves through a NAT gateway with a static
  public IP, zonal (zone 1) where the region has zones. Azure attaches one NAT gateway per subnet, so
  `nat: perZone` cannot give one per zone here (README: Azure).
- One NSG per subnet with its rules inline (never mixed with `SecurityRule` resources): endpoints admit HTTPS
  from the VNet only, Postgres admits 5432 from the nodes subnet and its own subnet (HA replication); every NSG
  denies other inbound traffic.
- Private DNS zones for Key Vault, blob, dfs, Postgres and (private cluster) the AKS API server, linked to the
  VNet; with `azure.deployerNetworkId` the deployer's VNet is peered and linked too.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_azure_native.network as network
import pulumi_azure_native.privatedns as privatedns

from cloud_kernel.azure.providers import AzureEnv
from cloud_kernel.cidr import plan_subnets
from cloud_kernel.specs import AzureSpec, NetworkSpec

POSTGRES_DELEGATION = "Microsoft.DBforPostgreSQL/flexibleServers"
POSTGRES_PORT = 5432
# AKS overlay ranges: outside every RFC 1918 range a stack's VNet may use (10.0.0.0/8 in our stacks).
POD_CIDR = "192.168.0.0/16"
SERVICE_CIDR = "172.16.0.0/16"
DNS_SERVICE_IP = "172.16.0.10"
ZONES = {
    "vault": "privatelink.vaultcore.azure.net",
    "blob": "privatelink.blob.core.windows.net",
    "dfs": "privatelink.dfs.core.windows.net",
    "postgres": "privatelink.postgres.database.azure.com",
}


@dataclass(frozen=True)
class SubnetPlan:
    nodes: str
    endpoints: str
    postgres: str


def plan(spec: NetworkSpec) -> SubnetPlan:
    """Nodes take the first private block, endpoints and Postgres the first two public-sized blocks."""
    blocks = plan_subnets(spec.cidr, max(spec.zones, 2), spec.private_subnet_prefix, spec.public_subnet_prefix)
    vnet = ipaddress.ip_network(spec.cidr)
    for reserved in (POD_CIDR, SERVICE_CIDR):
        if vnet.overlaps(ipaddress.ip_network(reserved)):
            raise ValueError(f"cloud-kernel:cloud.network.cidr {spec.cidr} overlaps the AKS range {reserved}")
    return SubnetPlan(nodes=blocks[0].private, endpoints=blocks[0].public, postgres=blocks[1].public)


def _rule(name: str, priority: int, access: str, source: str, ports: str, description: str) -> network.SecurityRuleArgs:
    return network.SecurityRuleArgs(
        name=name,
        priority=priority,
        direction="Inbound",
        access=access,
        protocol="Tcp" if access == "Allow" and ports != "*" else "*",
        source_address_prefix=source,
        source_port_range="*",
        destination_address_prefix="*",
        destination_port_range=ports,
        description=description,
    )


def security_rules(role: str, subnets: SubnetPlan) -> list[network.SecurityRuleArgs]:
    deny_vnet = _rule("deny-vnet-inbound", 4000, "Deny", "VirtualNetwork", "*", "nothing else from the VNet")
    deny_internet = _rule("deny-internet-inbound", 4096, "Deny", "Internet", "*", "nothing from the internet")
    if role == "endpoints":
        allow = _rule("allow-https-from-vnet", 100, "Allow", "VirtualNetwork", "443", "private endpoints over HTTPS")
        return [allow, deny_vnet, deny_internet]
    if role == "postgres":
        allow = _rule("allow-postgres-from-nodes", 100, "Allow", subnets.nodes, str(POSTGRES_PORT), "Postgres from AKS")
        # High availability replicates between the primary and the standby inside the delegated subnet.
        replication = _rule("allow-within-subnet", 110, "Allow", subnets.postgres, "*", "HA replication in the subnet")
        return [allow, replication, deny_vnet, deny_internet]
    # Nodes: the VNet (internal load balancers, the control plane) and the Azure load balancer probes are
    # admitted by Azure's default rules; the internet is not.
    return [deny_internet]


class Network(pulumi.ComponentResource):
    vnet: network.VirtualNetwork
    subnets: dict[str, network.Subnet]

    def __init__(self, name: str, env: AzureEnv, spec: NetworkSpec, azure: AzureSpec, *, private_cluster: bool,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:azure:Network", name, None, opts)
        self.plan = plan(spec)
        self.vnet = network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=f"{env.prefix}-vnet",
            resource_group_name=env.resource_group_name,
            address_space=network.AddressSpaceArgs(address_prefixes=[spec.cidr]),
            tags=env.tags,
            # Subnets are their own resources; Azure reports them here too, which must not show as drift.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["subnets"]),
        )
        self.nat = self._nat(name, env)
        self.subnets = {role: self._subnet(name, env, role) for role in ("nodes", "endpoints", "postgres")}
        self.dns_zones = self._dns_zones(name, env, private_cluster, azure.deployer_network_id)
        if azure.deployer_network_id:
            network.VirtualNetworkPeering(
                f"{name}-deployer-peering",
                virtual_network_peering_name="deployer",
                virtual_network_name=self.vnet.name,
                resource_group_name=env.resource_group_name,
                remote_virtual_network=network.SubResourceArgs(id=azure.deployer_network_id),
                allow_virtual_network_access=True,
                allow_forwarded_traffic=False,
                allow_gateway_transit=False,
                use_remote_gateways=False,
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"vnetId": self.vnet.id, "subnetIds": {k: s.id for k, s in self.subnets.items()}})

    def _nat(self, name: str, env: AzureEnv) -> network.NatGateway:
        zones = env.zone_names[:1] if env.zone_names else None
        ip = network.PublicIPAddress(
            f"{name}-nat-ip",
            public_ip_address_name=f"{env.prefix}-nat",
            resource_group_name=env.resource_group_name,
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            zones=zones,
            tags=env.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return network.NatGateway(
            f"{name}-nat",
            nat_gateway_name=f"{env.prefix}-nat",
            resource_group_name=env.resource_group_name,
            sku=network.NatGatewaySkuArgs(name="Standard"),
            public_ip_addresses=[network.SubResourceArgs(id=ip.id)],
            idle_timeout_in_minutes=4,
            zones=zones,
            tags=env.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _subnet(self, name: str, env: AzureEnv, role: str) -> network.Subnet:
        nsg = network.NetworkSecurityGroup(
            f"{name}-{role}-nsg",
            network_security_group_name=f"{env.prefix}-{role}",
            resource_group_name=env.resource_group_name,
            security_rules=security_rules(role, self.plan),
            tags=env.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return network.Subnet(
            f"{name}-{role}",
            subnet_name=role,
            resource_group_name=env.resource_group_name,
            virtual_network_name=self.vnet.name,
            address_prefix=getattr(self.plan, role),
            network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
            nat_gateway=network.SubResourceArgs(id=self.nat.id) if role == "nodes" else None,
            delegations=[network.DelegationArgs(name="postgres", service_name=POSTGRES_DELEGATION)] if role == "postgres" else None,
            private_endpoint_network_policies="Enabled" if role == "endpoints" else "Disabled",
            default_outbound_access=False,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _dns_zones(self, name: str, env: AzureEnv, private_cluster: bool, deployer: str | None) -> dict[str, privatedns.PrivateZone]:
        zones = dict(ZONES)
        if private_cluster:
            zones["aks"] = f"privatelink.{env.location}.azmk8s.io"
        created: dict[str, privatedns.PrivateZone] = {}
        for key, zone_name in sorted(zones.items()):
            zone = privatedns.PrivateZone(
                f"{name}-dns-{key}",
                private_zone_name=zone_name,
                resource_group_name=env.resource_group_name,
                location="Global",
                tags=env.tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
            links = {"vnet": self.vnet.id}
            if deployer and key == "aks":
                links["deployer"] = deployer
            for link, vnet_id in links.items():
                privatedns.VirtualNetworkLink(
                    f"{name}-dns-{key}-{link}",
                    virtual_network_link_name=f"{env.prefix}-{link}",
                    private_zone_name=zone.name,
                    resource_group_name=env.resource_group_name,
                    location="Global",
                    virtual_network=privatedns.SubResourceArgs(id=vnet_id),
                    registration_enabled=False,
                    tags=env.tags,
                    opts=pulumi.ResourceOptions(parent=self),
                )
            created[key] = zone
        return created

    def subnet_id(self, role: str) -> pulumi.Output[str]:
        return self.subnets[role].id


def private_endpoint(
    name: str,
    env: AzureEnv,
    *,
    label: str,
    target_id: pulumi.Input[str],
    group: str,
    subnet_id: pulumi.Input[str],
    dns_zone_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> network.PrivateEndpoint:
    """A private endpoint for one sub-resource (`vault`, `blob`, `dfs`) of `target_id`, registered in its zone."""
    endpoint = network.PrivateEndpoint(
        name,
        private_endpoint_name=f"{env.prefix}-{label}-{group}",
        resource_group_name=env.resource_group_name,
        subnet=network.SubnetArgs(id=subnet_id),
        private_link_service_connections=[
            network.PrivateLinkServiceConnectionArgs(name=group, private_link_service_id=target_id, group_ids=[group])
        ],
        tags=env.tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    network.PrivateDnsZoneGroup(
        f"{name}-dns",
        private_dns_zone_group_name="default",
        private_endpoint_name=endpoint.name,
        resource_group_name=env.resource_group_name,
        private_dns_zone_configs=[network.PrivateDnsZoneConfigArgs(name=group, private_dns_zone_id=dns_zone_id)],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return endpoint
