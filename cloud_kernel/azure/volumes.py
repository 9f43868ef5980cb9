"""`cloud-kernel:azure:Volumes`: the StorageClasses of the Volume resource on AKS.

The CSI drivers are AKS built-ins switched on by the cluster's storage profile (disk, file, blob, snapshot
controller); this component only declares the classes:
- `standard` -> Azure Disk `Premium_ZRS` (zone-redundant: a pod can move zones with its volume);
- `fast` -> Azure Disk `PremiumV2_LRS` with provisioned IOPS (`iops`, default 3000) and no host caching
  (Premium SSD v2 is zonal: the volume lands in the zone of its first pod);
- `shared` -> Azure Files NFS 4.1 on `Premium_ZRS`, reached through a private endpoint the driver creates.
Every disk class is encrypted with the stack's disk encryption set (customer key). Azure Files shares the
driver provisions use Microsoft-managed keys (the driver has no customer-key parameter); README: Azure.
Every class binds on first consumer and exactly one carries the default-class annotation.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

from cloud_kernel.kubernetes import storage_classes
from cloud_kernel.specs import VolumeClassSpec, VolumesSpec

DISK_PROVISIONER = "disk.csi.azure.com"
FILE_PROVISIONER = "file.csi.azure.com"
PREMIUM_V2_DEFAULT_IOPS = 3000
NFS_MOUNT_OPTIONS = ["nconnect=4", "noresvport", "actimeo=30"]


def provisioner(spec: VolumeClassSpec) -> str:
    return FILE_PROVISIONER if spec.tier == "shared" else DISK_PROVISIONER


def storage_class_parameters(spec: VolumeClassSpec, *, disk_encryption_set_id: str) -> dict[str, str]:
    if spec.tier == "shared":
        return {"protocol": "nfs", "skuName": "Premium_ZRS", "networkEndpointType": "privateEndpoint"}
    parameters = {
        "diskEncryptionSetID": disk_encryption_set_id,
        "diskEncryptionType": "EncryptionAtRestWithCustomerKey",
        "csi.storage.k8s.io/fstype": "ext4",
    }
    if spec.tier == "fast":
        parameters.update(
            skuName="PremiumV2_LRS", cachingMode="None", DiskIOPSReadWrite=str(spec.iops or PREMIUM_V2_DEFAULT_IOPS)
        )
    else:
        parameters.update(skuName="Premium_ZRS", cachingMode="ReadOnly")
    return parameters


class Volumes(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        spec: VolumesSpec,
        *,
        disk_encryption_set_id: pulumi.Output[str],
        kubernetes: k8s.Provider,
        node_pools: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:azure:Volumes", name, None, opts)
        classes = storage_classes(
            name,
            spec,
            provisioner=provisioner,
            parameters=lambda s: disk_encryption_set_id.apply(
                lambda des: storage_class_parameters(s, disk_encryption_set_id=des)
            ),
            expandable=lambda _: True,  # Azure Disk and Azure Files both grow online
            mount_options=lambda s: NFS_MOUNT_OPTIONS if s.tier == "shared" else None,
            opts=pulumi.ResourceOptions(parent=self, provider=kubernetes, depends_on=list(node_pools)),
        )
        self.storage_classes, self.default_class, self.shared_class = classes.names, classes.default, classes.shared
        self.register_outputs({"storageClasses": self.storage_classes})
