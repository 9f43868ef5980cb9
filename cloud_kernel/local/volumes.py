"""`cloud-kernel:local:Volumes`: one StorageClass per volume class, on the provisioner the cluster already runs."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from cloud_kernel.local.providers import labels
from cloud_kernel.specs import LocalSpec, VolumesSpec

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


class Volumes(pulumi.ComponentResource):
    def __init__(self, name: str, spec: VolumesSpec, local: LocalSpec, opts: pulumi.ResourceOptions):
        super().__init__("cloud-kernel:local:Volumes", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.storage_classes: dict[str, str] = {}
        for key, class_spec in sorted(spec.classes.items()):
            k8s.storage.v1.StorageClass(
                f"{name}-{key}",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=key,
                    annotations={DEFAULT_CLASS_ANNOTATION: "true" if class_spec.default else "false"},
                    labels=labels("volumes"),
                ),
                provisioner=local.storage_provisioner,
                reclaim_policy=class_spec.reclaim_policy,
                volume_binding_mode="WaitForFirstConsumer",
                opts=child,
            )
            self.storage_classes[key] = key
        self.default_class = next(key for key, s in spec.classes.items() if s.default)
        # A local provisioner serves one node's disk: nothing here is ReadWriteMany.
        self.shared_class = None
        self.register_outputs({"storageClasses": self.storage_classes})
