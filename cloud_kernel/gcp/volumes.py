"""`cloud-kernel:gcp:Volumes`: the StorageClasses of the Volume resource on GKE's managed CSI drivers.

- Block classes on the Compute Engine PD CSI driver (`pd.csi.storage.gke.io`, a GKE add-on): `standard` ->
  `pd-balanced`, `fast` -> `pd-ssd` (zonal disks; IOPS scale with size, so `iops` is refused on GCP), every
  disk encrypted with the `volumes` CMEK.
- `shared` (ReadWriteMany) on the Filestore CSI driver (`filestore.csi.storage.gke.io`): one Filestore
  instance per volume, connected through private service access on the stack's reserved range, encrypted
  with the same CMEK; `zonal` tier in dev, `regional` (zone-redundant) in prod. Filestore instances are
  at least 1 TiB: a claim smaller than that is rounded up by the driver.
- Every class binds on first consumer (the disk lands in the zone of the pod) and exactly one carries the
  default-class annotation (the spec validates there is exactly one default).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

from cloud_kernel.gcp.providers import GcpEnv
from cloud_kernel.kubernetes import storage_classes
from cloud_kernel.specs import VolumeClassSpec, VolumesSpec

PD_PROVISIONER = "pd.csi.storage.gke.io"
FILESTORE_PROVISIONER = "filestore.csi.storage.gke.io"
DISK_TYPES = {"standard": "pd-balanced", "fast": "pd-ssd"}


def storage_class_parameters(
    spec: VolumeClassSpec, *, key_id: str, network: str, reserved_range: str, production: bool
) -> dict[str, str]:
    if spec.tier == "shared":
        return {
            "tier": "regional" if production else "zonal",
            "network": network,
            "connect-mode": "PRIVATE_SERVICE_ACCESS",
            "reserved-ip-range": reserved_range,
            "instance-encryption-kms-key": key_id,
        }
    return {"type": DISK_TYPES[spec.tier], "disk-encryption-kms-key": key_id, "csi.storage.k8s.io/fstype": "ext4"}


class Volumes(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        env: GcpEnv,
        spec: VolumesSpec,
        *,
        volumes_key: pulumi.Output[str],
        network_name: pulumi.Input[str],
        reserved_range: pulumi.Input[str],
        kubernetes: k8s.Provider,
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:gcp:Volumes", name, None, opts)
        classes = storage_classes(
            name,
            spec,
            provisioner=lambda s: FILESTORE_PROVISIONER if s.tier == "shared" else PD_PROVISIONER,
            parameters=lambda s: pulumi.Output.all(volumes_key, network_name, reserved_range).apply(
                lambda values: storage_class_parameters(
                    s, key_id=values[0], network=values[1], reserved_range=values[2], production=env.production
                )
            ),
            expandable=lambda s: True,  # both drivers expand volumes online (Filestore in its tier's steps)
            opts=pulumi.ResourceOptions(parent=self, provider=kubernetes, depends_on=list(depends_on)),
        )
        self.storage_classes, self.default_class, self.shared_class = classes.names, classes.default, classes.shared
        self.register_outputs({"storageClasses": self.storage_classes})
