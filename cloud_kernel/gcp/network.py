"""`cloud-kernel:gcp:Network`: a custom-mode VPC with one regional subnet for the stack.

- Address plan from the pure planner `cloud_kernel.cidr.plan_ranges` over `network.cidr`: the nodes' primary
  range (`network.privateSubnetPrefix`), the pods and services secondary ranges (`gcp.podsPrefix`,
  `gcp.servicesPrefix`) and the range reserved for private services (`gcp.privateServicesPrefix`).
- The subnet has Private Google Access (nodes without external IPs reach Google APIs) and VPC flow logs.
- Egress through Cloud Router + Cloud NAT for this subnet only, logging errors. Cloud NAT is a regional,
  zone-redundant managed service: `network.nat` (`single`/`perZone`) has no effect on GCP.
- Private service access: a reserved internal range peered with `servicenetworking.googleapis.com`, so
  Cloud SQL and Filestore get private IPs only. The peering is abandoned, not deleted, on destroy (deleting
  it fails while Google still holds producer resources, and blocks the teardown).
- No firewall rule: a custom VPC denies all ingress by default and GKE manages the rules its control plane
  and load balancers need. Nothing here opens the network.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from cloud_kernel.cidr import plan_ranges
from cloud_kernel.gcp.providers import GcpEnv
from cloud_kernel.specs import GcpSpec, NetworkSpec

PODS_RANGE = "pods"
SERVICES_RANGE = "services"
FLOW_LOG_INTERVAL = "INTERVAL_1_MIN"


def address_plan(spec: NetworkSpec, gcp_spec: GcpSpec) -> dict[str, str]:
    return plan_ranges(
        spec.cidr,
        {
            "nodes": spec.private_subnet_prefix,
            PODS_RANGE: gcp_spec.pods_prefix,
            SERVICES_RANGE: gcp_spec.services_prefix,
            "private-services": gcp_spec.private_services_prefix,
        },
    )


class Network(pulumi.ComponentResource):
    network: gcp.compute.Network
    subnet: gcp.compute.Subnetwork

    def __init__(
        self,
        name: str,
        env: GcpEnv,
        spec: NetworkSpec,
        gcp_spec: GcpSpec,
        *,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:gcp:Network", name, None, opts)
        self.ranges = address_plan(spec, gcp_spec)
        self.network = gcp.compute.Network(
            f"{name}-vpc",
            name=env.prefix,
            project=env.gcp_project,
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            delete_default_routes_on_create=False,
            description=f"{env.prefix}: cloud kernel network",
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )
        self.subnet = self._subnet(name, env)
        self.router, self.nat = self._nat(name, env)
        self.private_services_range, self.private_services = self._private_services(name, env)
        self.register_outputs(
            {"network": self.network.self_link, "subnet": self.subnet.self_link, "ranges": self.ranges}
        )

    def _subnet(self, name: str, env: GcpEnv) -> gcp.compute.Subnetwork:
        return gcp.compute.Subnetwork(
            f"{name}-nodes",
            name=f"{env.prefix}-nodes",
            project=env.gcp_project,
            region=env.region,
            network=self.network.id,
            ip_cidr_range=self.ranges["nodes"],
            secondary_ip_ranges=[
                gcp.compute.SubnetworkSecondaryIpRangeArgs(range_name=PODS_RANGE, ip_cidr_range=self.ranges[PODS_RANGE]),
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name=SERVICES_RANGE, ip_cidr_range=self.ranges[SERVICES_RANGE]
                ),
            ],
            private_ip_google_access=True,
            purpose="PRIVATE",
            stack_type="IPV4_ONLY",
            log_config=gcp.compute.SubnetworkLogConfigArgs(
                aggregation_interval=FLOW_LOG_INTERVAL, flow_sampling=0.5, metadata="INCLUDE_ALL_METADATA"
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _nat(self, name: str, env: GcpEnv) -> tuple[gcp.compute.Router, gcp.compute.RouterNat]:
        router = gcp.compute.Router(
            f"{name}-router",
            name=f"{env.prefix}-router",
            project=env.gcp_project,
            region=env.region,
            network=self.network.id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        nat = gcp.compute.RouterNat(
            f"{name}-nat",
            name=f"{env.prefix}-nat",
            project=env.gcp_project,
            region=env.region,
            router=router.name,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
            subnetworks=[
                gcp.compute.RouterNatSubnetworkArgs(name=self.subnet.id, source_ip_ranges_to_nats=["ALL_IP_RANGES"])
            ],
            enable_endpoint_independent_mapping=False,
            log_config=gcp.compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return router, nat

    def _private_services(self, name: str, env: GcpEnv) -> tuple[gcp.compute.GlobalAddress, gcp.servicenetworking.Connection]:
        address, _, prefix = self.ranges["private-services"].partition("/")
        reserved = gcp.compute.GlobalAddress(
            f"{name}-private-services",
            name=f"{env.prefix}-private-services",
            project=env.gcp_project,
            network=self.network.id,
            purpose="VPC_PEERING",
            address_type="INTERNAL",
            address=address,
            prefix_length=int(prefix),
            description=f"{env.prefix}: private service access (Cloud SQL, Filestore)",
            opts=pulumi.ResourceOptions(parent=self),
        )
        connection = gcp.servicenetworking.Connection(
            f"{name}-private-services",
            network=self.network.id,
            service="servicenetworking.googleapis.com",
            reserved_peering_ranges=[reserved.name],
            deletion_policy="ABANDON",
            opts=pulumi.ResourceOptions(parent=self),
        )
        return reserved, connection
