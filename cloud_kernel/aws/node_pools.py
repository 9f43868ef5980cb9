"""`cloud-kernel:aws:NodePool`: one EKS managed node group (with its launch template and node role) per pool.

Pools are independent of each other (no `depends_on` between them), so they are created and updated in
parallel; each waits only for the cluster and the add-ons nodes need to become Ready (vpc-cni, kube-proxy).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from cloud_kernel import machines
from cloud_kernel.aws.providers import AwsEnv
from cloud_kernel.specs import NodePoolSpec

POOL_LABEL = "cloud-kernel.io/pool"
TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}
# Only what a node needs: join the cluster, pull images, be reachable by SSM (no SSH keys). The CNI policy is
# deliberately absent: the vpc-cni add-on has its own IRSA role, so pods cannot borrow ENI permissions.
NODE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"]
ROOT_DEVICE = "/dev/xvda"  # AL2023 EKS AMIs


def ami_type(spec: NodePoolSpec) -> str:
    return "AL2023_x86_64_NVIDIA" if spec.gpu else "AL2023_x86_64_STANDARD"


def instance_types(spec: NodePoolSpec) -> list[str]:
    if spec.gpu:
        # GPU capacity is scarce: one type is what the workload was sized for; spot adds nothing portable.
        return [machines.gpu_instance_type("aws", spec.gpu.gpu_class, spec.gpu.count, spec.machine)]
    return machines.instance_types("aws", spec.machine, spot=spec.spot)


def node_labels(key: str, spec: NodePoolSpec) -> dict[str, str]:
    return {POOL_LABEL: key, **spec.labels}


def node_taints(spec: NodePoolSpec) -> list[dict[str, str]]:
    return [{"key": t.key, "value": t.value, "effect": t.effect} for t in spec.taints]


class NodePool(pulumi.ComponentResource):
    node_group: aws.eks.NodeGroup

    def __init__(
        self,
        name: str,
        env: AwsEnv,
        key: str,
        spec: NodePoolSpec,
        *,
        cluster: aws.eks.Cluster,
        subnet_ids: Sequence[pulumi.Input[str]],
        volumes_key_arn: pulumi.Input[str],
        depends_on: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:aws:NodePool", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            description=f"{env.prefix}: nodes of pool {key}",
            assume_role_policy=env.policy_document(
                [
                    {
                        "effect": "Allow",
                        "actions": ["sts:AssumeRole"],
                        "principals": [{"type": "Service", "identifiers": ["ec2.amazonaws.com"]}],
                    }
                ],
                self,
            ),
            opts=child,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(f"{name}-role-{policy}", role=role.name, policy_arn=env.managed_policy(policy), opts=child)
            for policy in NODE_POLICIES
        ]
        tags = {"Name": f"{env.prefix}-{key}", "cloud-kernel.io/pool": key}
        self.launch_template = aws.ec2.LaunchTemplate(
            f"{name}-lt",
            description=f"{env.prefix}: nodes of pool {key}",
            update_default_version=True,
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",  # IMDSv2 only
                # Hop limit 1: a pod (one network hop further) cannot reach the node's instance metadata, so it
                # cannot take the node role's credentials. Pods get AWS credentials from IRSA (a projected token
                # exchanged with STS), which never touches IMDS, so nothing legitimate needs a second hop.
                http_put_response_hop_limit=1,
                instance_metadata_tags="disabled",
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name=ROOT_DEVICE,
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_type="gp3",
                        volume_size=spec.disk_size_gb,
                        encrypted="true",
                        kms_key_id=volumes_key_arn,
                        delete_on_termination="true",
                    ),
                )
            ],
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=tags)
                for kind in ("instance", "volume", "network-interface")
            ],
            tags=tags,
            opts=child,
        )
        self.labels = node_labels(key, spec)
        self.taints = node_taints(spec)
        self.node_group = aws.eks.NodeGroup(
            f"{name}-nodes",
            cluster_name=cluster.name,
            version=cluster.version,
            node_role_arn=role.arn,
            subnet_ids=list(subnet_ids),
            ami_type=ami_type(spec),
            capacity_type="SPOT" if spec.spot else "ON_DEMAND",
            instance_types=instance_types(spec),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=self.launch_template.id, version=self.launch_template.latest_version.apply(str)
            ),
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=spec.min_size,
                max_size=spec.max_size,
                desired_size=spec.desired_size if spec.desired_size is not None else spec.min_size,
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable_percentage=spec.max_unavailable_percent),
            node_repair_config=aws.eks.NodeGroupNodeRepairConfigArgs(enabled=True),
            labels=self.labels,
            taints=[
                aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value or None, effect=TAINT_EFFECTS[t.effect]) for t in spec.taints
            ],
            tags={"cloud-kernel.io/pool": key},
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*attachments, *depends_on],
                # The cluster autoscaler (or Karpenter) owns the current size; config owns only the bounds.
                ignore_changes=["scalingConfig.desiredSize"],
            ),
        )
        self.register_outputs({"nodeGroup": self.node_group.arn, "launchTemplate": self.launch_template.id})
