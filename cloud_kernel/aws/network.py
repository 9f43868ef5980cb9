"""`cloud-kernel:aws:Network`: a VPC over the configured zones.

- Subnets come from the pure planner `cloud_kernel.cidr` (stable when zones are added).
- Public subnets hold only NAT gateways and internet-facing load balancers; nothing gets a public IP on
  launch. Private subnets hold nodes, pods, databases and file-system mount targets.
- NAT: one per zone (`perZone`, a zone outage never cuts egress elsewhere) or one for all (`single`).
- One private route table per zone, so switching `single` <-> `perZone` changes routes, not subnets.
- An S3 gateway endpoint (free, keeps lakehouse traffic off the NAT) and optional interface endpoints.
- The default security group is emptied (no rule admits anything), VPC flow logs go to a KMS-encrypted log
  group with a retention.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from cloud_kernel.aws import names
from cloud_kernel.aws.providers import AwsEnv
from cloud_kernel.cidr import plan_subnets
from cloud_kernel.specs import NetworkSpec


class Network(pulumi.ComponentResource):
    vpc: aws.ec2.Vpc
    private_subnets: list[aws.ec2.Subnet]
    public_subnets: list[aws.ec2.Subnet]

    def __init__(
        self,
        name: str,
        env: AwsEnv,
        spec: NetworkSpec,
        *,
        zones: pulumi.Output[list[str]],
        logs_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:aws:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cluster_tag = {f"kubernetes.io/cluster/{env.cluster_name}": "shared"}
        # Resource names use the zone's index (known now), the zone name comes from the provider's invoke.
        # Both subnet CIDRs and zones are keyed by index, so adding a zone never moves an existing subnet.
        self.zone_keys = [f"zone{i + 1}" for i in range(spec.zones)]
        self.zone_names = [zones.apply(lambda names, i=i: _zone(names, i, spec.zones)) for i in range(spec.zones)]
        zones = self.zone_keys

        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=spec.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": env.prefix},
            opts=child,
        )
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc.id,
            ingress=[],
            egress=[],
            tags={"Name": f"{env.prefix}-default-unused"},
            opts=child,
        )
        self.internet_gateway = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=self.vpc.id, tags={"Name": env.prefix}, opts=child
        )

        self.private_subnets, self.public_subnets = [], []
        planned_subnets = plan_subnets(spec.cidr, spec.zones, spec.private_subnet_prefix, spec.public_subnet_prefix)
        for planned, zone, zone_name in zip(planned_subnets, zones, self.zone_names):
            self.private_subnets.append(
                aws.ec2.Subnet(
                    f"{name}-private-{zone}",
                    vpc_id=self.vpc.id,
                    cidr_block=planned.private,
                    availability_zone=zone_name,
                    map_public_ip_on_launch=False,
                    tags={"Name": f"{env.prefix}-private-{zone}", "tier": "private", "kubernetes.io/role/internal-elb": "1", **cluster_tag},
                    opts=child,
                )
            )
            self.public_subnets.append(
                aws.ec2.Subnet(
                    f"{name}-public-{zone}",
                    vpc_id=self.vpc.id,
                    cidr_block=planned.public,
                    availability_zone=zone_name,
                    map_public_ip_on_launch=False,
                    tags={"Name": f"{env.prefix}-public-{zone}", "tier": "public", "kubernetes.io/role/elb": "1", **cluster_tag},
                    opts=child,
                )
            )

        public_routes = aws.ec2.RouteTable(f"{name}-public-rt", vpc_id=self.vpc.id, tags={"Name": f"{env.prefix}-public"}, opts=child)
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_routes.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=self.internet_gateway.id,
            opts=child,
        )
        for zone, subnet in zip(zones, self.public_subnets):
            aws.ec2.RouteTableAssociation(f"{name}-public-{zone}-assoc", subnet_id=subnet.id, route_table_id=public_routes.id, opts=child)

        nat_zones = zones[: spec.zones] if spec.nat == "perZone" else zones[:1]
        self.nat_gateways: dict[str, aws.ec2.NatGateway] = {}
        for zone, subnet in zip(nat_zones, self.public_subnets):
            eip = aws.ec2.Eip(f"{name}-nat-{zone}", domain="vpc", tags={"Name": f"{env.prefix}-nat-{zone}"}, opts=child)
            self.nat_gateways[zone] = aws.ec2.NatGateway(
                f"{name}-nat-{zone}",
                allocation_id=eip.allocation_id,
                subnet_id=subnet.id,
                connectivity_type="public",
                tags={"Name": f"{env.prefix}-nat-{zone}"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.internet_gateway]),
            )

        self.private_route_tables: list[aws.ec2.RouteTable] = []
        for zone, subnet in zip(zones, self.private_subnets):
            table = aws.ec2.RouteTable(f"{name}-private-{zone}-rt", vpc_id=self.vpc.id, tags={"Name": f"{env.prefix}-private-{zone}"}, opts=child)
            nat = self.nat_gateways.get(zone) or self.nat_gateways[nat_zones[0]]
            aws.ec2.Route(
                f"{name}-private-{zone}-default",
                route_table_id=table.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat.id,
                opts=child,
            )
            aws.ec2.RouteTableAssociation(f"{name}-private-{zone}-assoc", subnet_id=subnet.id, route_table_id=table.id, opts=child)
            self.private_route_tables.append(table)

        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{env.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.id for t in self.private_route_tables],
            tags={"Name": f"{env.prefix}-s3"},
            opts=child,
        )
        if spec.interface_endpoints:
            endpoint_sg = aws.ec2.SecurityGroup(
                f"{name}-endpoints-sg",
                description="HTTPS from inside the VPC to AWS interface endpoints",
                vpc_id=self.vpc.id,
                revoke_rules_on_delete=True,
                tags={"Name": f"{env.prefix}-endpoints"},
                opts=child,
            )
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-endpoints-https",
                security_group_id=endpoint_sg.id,
                description="HTTPS from the VPC",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                cidr_ipv4=spec.cidr,
                opts=child,
            )
            for service in sorted(spec.interface_endpoints):
                aws.ec2.VpcEndpoint(
                    f"{name}-{service.replace('.', '-')}",
                    vpc_id=self.vpc.id,
                    service_name=f"com.amazonaws.{env.region}.{service}",
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    subnet_ids=[s.id for s in self.private_subnets],
                    security_group_ids=[endpoint_sg.id],
                    tags={"Name": f"{env.prefix}-{service}"},
                    opts=child,
                )

        # Flow logs: a log group we own (retention, KMS) and a role that may write to it and nothing else.
        self.flow_log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=names.flow_log_group(env.project, env.stack),
            retention_in_days=spec.flow_log_retention_days,
            kms_key_id=logs_key_arn,
            opts=child,
        )
        flow_role = aws.iam.Role(
            f"{name}-flow-logs",
            description=f"{env.prefix}: VPC flow logs delivery",
            assume_role_policy=env.policy_document(
                [
                    {
                        "effect": "Allow",
                        "actions": ["sts:AssumeRole"],
                        "principals": [{"type": "Service", "identifiers": ["vpc-flow-logs.amazonaws.com"]}],
                        "conditions": [{"test": "StringEquals", "variable": "aws:SourceAccount", "values": [env.account_id]}],
                    }
                ],
                self,
            ),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=flow_role.name,
            policy=env.policy_document(
                [
                    {
                        "effect": "Allow",
                        "actions": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                        "resources": [self.flow_log_group.arn.apply(lambda arn: f"{arn}:*")],
                    }
                ],
                self,
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=flow_role.arn,
            max_aggregation_interval=60,
            tags={"Name": env.prefix},
            opts=child,
        )

        self.private_subnet_ids = [s.id for s in self.private_subnets]
        self.public_subnet_ids = [s.id for s in self.public_subnets]
        self.register_outputs(
            {"vpcId": self.vpc.id, "privateSubnetIds": self.private_subnet_ids, "publicSubnetIds": self.public_subnet_ids}
        )


def _zone(names: list[str], index: int, wanted: int) -> str:
    if len(names) < wanted:
        raise ValueError(f"cloud-kernel:cloud.network.zones is {wanted} but the region offers {len(names)} zones")
    return sorted(names)[index]
