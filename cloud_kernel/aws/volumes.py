"""`cloud-kernel:aws:Volumes`: the storage drivers and the StorageClasses of the Volume resource.

- EBS CSI driver (managed add-on, own IRSA role with the AWS managed policy plus use of the `volumes` key),
  installed once nodes exist. Block classes: `standard` -> encrypted gp3, `fast` -> encrypted io2 whose IOPS
  scale with the claim (`iopsPerGb`), so no claim size is too small for its IOPS.
- With a `shared` class: an EFS file system (KMS-encrypted, elastic throughput, mount target in each private
  subnet reachable only from the cluster security group), the EFS CSI driver add-on with its IRSA role, and
  a ReadWriteMany class that provisions one access point per volume.
- Every class binds on first consumer (the volume lands in the zone of the pod) and exactly one carries the
  default-class annotation (the spec validates there is exactly one default).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from cloud_kernel.aws.cluster import Cluster, addon_version, managed_addon
from cloud_kernel.aws.identity import irsa_role
from cloud_kernel.aws.providers import AwsEnv
from cloud_kernel.kubernetes import storage_classes
from cloud_kernel.specs import AwsSpec, VolumeClassSpec, VolumesSpec

EBS_PROVISIONER = "ebs.csi.aws.com"
EFS_PROVISIONER = "efs.csi.aws.com"
IO2_DEFAULT_IOPS_PER_GB = 50  # io2: 100 to 256,000 IOPS, at most 1,000 per GiB


def storage_class_parameters(
    spec: VolumeClassSpec, *, volumes_key_arn: str, file_system_id: str | None
) -> dict[str, str]:
    if spec.tier == "shared":
        if file_system_id is None:
            raise ValueError("a shared volume class needs the EFS file system")
        return {
            "provisioningMode": "efs-ap",  # one access point (own directory, own POSIX ids) per volume
            "fileSystemId": file_system_id,
            "directoryPerms": "700",
            "basePath": "/volumes",
            "subPathPattern": "${.PVC.namespace}/${.PVC.name}",
            "ensureUniqueDirectory": "true",
            "gidRangeStart": "50000",
            "gidRangeEnd": "7000000",
        }
    parameters = {
        "type": "gp3" if spec.tier == "standard" else "io2",
        "encrypted": "true",
        "kmsKeyId": volumes_key_arn,
        "csi.storage.k8s.io/fstype": "ext4",
    }
    if spec.iops:
        parameters["iops"] = str(spec.iops)  # the spec keeps a fixed rate within what a 1 GiB claim allows
    elif spec.tier == "fast":
        # IOPS scale with the claim; the driver raises a small claim to io2's minimum instead of failing it.
        parameters["iopsPerGB"] = str(spec.iops_per_gb or IO2_DEFAULT_IOPS_PER_GB)
        parameters["allowAutoIOPSPerGBIncrease"] = "true"
    return parameters


def ebs_kms_statements(key_arn: pulumi.Input[str]) -> list[dict]:
    return [
        {
            "sid": "VolumeKeyGrants",
            "effect": "Allow",
            "actions": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            "resources": [key_arn],
            "conditions": [{"test": "Bool", "variable": "kms:GrantIsForAWSResource", "values": ["true"]}],
        },
        {
            "sid": "VolumeKeyUse",
            "effect": "Allow",
            "actions": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            "resources": [key_arn],
        },
    ]


class Volumes(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        env: AwsEnv,
        spec: VolumesSpec,
        aws_spec: AwsSpec,
        *,
        cluster: Cluster,
        vpc_id: pulumi.Input[str],
        subnet_ids: Sequence[pulumi.Input[str]],
        volumes_key_arn: pulumi.Output[str],
        kubernetes: k8s.Provider,
        node_groups: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:aws:Volumes", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        ebs_role = irsa_role(
            f"{name}-ebs-csi",
            env,
            oidc_provider_arn=cluster.oidc_provider.arn,
            issuer=cluster.issuer,
            namespace="kube-system",
            service_account="ebs-csi-controller-sa",
            description=f"{env.prefix}: EBS CSI driver",
            parent=self,
            managed_policies=["service-role/AmazonEBSCSIDriverPolicy"],
            inline_policy=ebs_kms_statements(volumes_key_arn),
        )
        self.ebs_csi = managed_addon(
            f"{name}-ebs-csi",
            cluster.cluster,
            "aws-ebs-csi-driver",
            addon_version(cluster.version, "aws-ebs-csi-driver", aws_spec),
            parent=self,
            role_arn=ebs_role.arn,
            depends_on=node_groups,
        )
        self.addons: list[pulumi.Resource] = [self.ebs_csi]

        file_system_id: pulumi.Output[str] | None = None
        if spec.shared_enabled:
            efs_sg = aws.ec2.SecurityGroup(
                f"{name}-efs-sg",
                description="NFS from the EKS cluster to the shared-volume file system",
                vpc_id=vpc_id,
                revoke_rules_on_delete=True,
                tags={"Name": f"{env.prefix}-efs"},
                opts=child,
            )
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-efs-nfs",
                security_group_id=efs_sg.id,
                description="NFS from cluster nodes and pods",
                ip_protocol="tcp",
                from_port=2049,
                to_port=2049,
                referenced_security_group_id=cluster.security_group_id,
                opts=child,
            )
            self.file_system = aws.efs.FileSystem(
                f"{name}-efs",
                encrypted=True,
                kms_key_id=volumes_key_arn,
                performance_mode="generalPurpose",
                throughput_mode="elastic",
                lifecycle_policies=[aws.efs.FileSystemLifecyclePolicyArgs(transition_to_ia="AFTER_30_DAYS")],
                tags={"Name": f"{env.prefix}-shared"},
                opts=env.stateful(self),
            )
            aws.efs.BackupPolicy(
                f"{name}-efs-backup",
                file_system_id=self.file_system.id,
                backup_policy=aws.efs.BackupPolicyBackupPolicyArgs(status="ENABLED" if env.production else "DISABLED"),
                opts=child,
            )
            mount_targets = [
                aws.efs.MountTarget(
                    f"{name}-efs-zone{i + 1}",
                    file_system_id=self.file_system.id,
                    subnet_id=subnet,
                    security_groups=[efs_sg.id],
                    opts=child,
                )
                for i, subnet in enumerate(subnet_ids)
            ]
            efs_role = irsa_role(
                f"{name}-efs-csi",
                env,
                oidc_provider_arn=cluster.oidc_provider.arn,
                issuer=cluster.issuer,
                namespace="kube-system",
                service_account="efs-csi-controller-sa",
                description=f"{env.prefix}: EFS CSI driver",
                parent=self,
                managed_policies=["service-role/AmazonEFSCSIDriverPolicy"],
            )
            self.efs_csi = managed_addon(
                f"{name}-efs-csi",
                cluster.cluster,
                "aws-efs-csi-driver",
                addon_version(cluster.version, "aws-efs-csi-driver", aws_spec),
                parent=self,
                role_arn=efs_role.arn,
                depends_on=[*node_groups, *mount_targets],
            )
            self.addons.append(self.efs_csi)
            file_system_id = self.file_system.id

        classes = storage_classes(
            name,
            spec,
            provisioner=lambda s: EFS_PROVISIONER if s.tier == "shared" else EBS_PROVISIONER,
            parameters=lambda s: pulumi.Output.all(volumes_key_arn, file_system_id).apply(
                lambda values: storage_class_parameters(s, volumes_key_arn=values[0], file_system_id=values[1])
            ),
            # EBS volumes grow online; EFS is elastic and its driver cannot expand, so a resize would hang.
            expandable=lambda s: s.tier != "shared",
            opts=pulumi.ResourceOptions(parent=self, provider=kubernetes, depends_on=self.addons),
        )
        self.storage_classes, self.default_class, self.shared_class = classes.names, classes.default, classes.shared
        self.register_outputs({"storageClasses": self.storage_classes})
