"""`cloud-kernel:local:Volumes`: one StorageClass per volume class, on the provisioner the cluster already runs."""

from __future__ import annotations

import pulumi

from cloud_kernel.kubernetes import storage_classes
from cloud_kernel.specs import LocalSpec, VolumesSpec


class Volumes(pulumi.ComponentResource):
    def __init__(self, name: str, spec: VolumesSpec, local: LocalSpec, opts: pulumi.ResourceOptions):
        super().__init__("cloud-kernel:local:Volumes", name, None, opts)
        classes = storage_classes(
            name,
            spec,
            provisioner=lambda _: local.storage_provisioner,
            parameters=lambda _: {},
            # A local provisioner serves one node's disk and cannot grow it; the spec refuses `shared` here.
            expandable=lambda _: False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.storage_classes, self.default_class, self.shared_class = classes.names, classes.default, classes.shared
        self.register_outputs({"storageClasses": self.storage_classes})
