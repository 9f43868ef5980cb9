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
from cloud_kernel.specs import VolumeClassSpec, VolumesSpec

PD_PROVISIONER = "pd.csi.storage.gke.io"
FILESTORE_PROVISIONER = "filestore.csi.storage.gke.io"
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
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
        self.storage_classes: dict[str, str] = {}
        self.shared_class: str | None = None
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=kubernetes, depends_on=list(depends_on))
        for key, class_spec in sorted(spec.classes.items()):
            parameters = pulumi.Output.all(volumes_key, network_name, reserved_range).apply(
                lambda values, s=class_spec: storage_class_parameters(
                    s, key_id=values[0], network=values[1], reserved_range=values[2], production=env.production
                )
            )
            k8s.storage.v1.StorageClass(
                f"{name}-{key}",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=key,
                    annotations={DEFAULT_CLASS_ANNOTATION: "true" if class_spec.default else "false"},
                    labels={"app.kubernetes.io/managed-by": "cloud-kernel"},
                ),
                provisioner=FILESTORE_PROVISIONER if class_spec.tier == "shared" else PD_PROVISIONER,
                parameters=parameters,
                reclaim_policy=class_spec.reclaim_policy,
                volume_binding_mode="WaitForFirstConsumer",
                # Both drivers expand volumes online (Filestore in its tier's steps).
                allow_volume_expansion=True,
                opts=k8s_opts,
            )
            self.storage_classes[key] = key
            if class_spec.tier == "shared" and self.shared_class is None:
                self.shared_class = key
        self.default_class = next(key for key, s in spec.classes.items() if s.default)
        self.register_outputs({"storageClasses": self.storage_classes})
