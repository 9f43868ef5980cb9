"""What every cloud backend hands the layers above to reach its cluster: an exec-auth kubeconfig and the
explicit Kubernetes provider built from it. Cloud-neutral; each backend passes its own exec plugin."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from cloud_kernel.specs import VolumeClassSpec, VolumesSpec


def exec_kubeconfig(
    cluster_name: pulumi.Input[str],
    endpoint: pulumi.Input[str],
    ca_data: pulumi.Input[str],
    user_exec: dict[str, Any],
) -> pulumi.Output[str]:
    """A kubeconfig whose user runs `user_exec` (a client-go credential plugin: short-lived tokens, no static
    credential). `endpoint` may be a host or an https URL; the result is a secret."""

    def render(values: list[str]) -> str:
        name, server, ca = values
        server = server if server.startswith("https://") else f"https://{server}"
        document = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority-data": ca}}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "current-context": name,
            "users": [{"name": name, "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", **user_exec}}}],
            "preferences": {},
        }
        return json.dumps(document, sort_keys=True)

    return pulumi.Output.secret(pulumi.Output.all(cluster_name, endpoint, ca_data).apply(render))


def kubernetes_provider(
    name: str,
    *,
    cluster_name: str,
    config: pulumi.Output[str],
    production: bool,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> k8s.Provider:
    return k8s.Provider(
        name,
        kubeconfig=config,
        # Only a different cluster replaces the provider (and with it every object it manages); a new
        # endpoint or CA for the same cluster is an in-place provider update.
        cluster_identifier=cluster_name,
        enable_server_side_apply=True,
        # Outside production, a cluster that is already gone must not block `pulumi destroy`.
        delete_unreachable=not production,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )


DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


@dataclass(frozen=True)
class StorageClasses:
    names: dict[str, str]  # volume class key -> StorageClass name
    default: str
    shared: str | None  # the first ReadWriteMany class, if any


def storage_classes(
    name: str,
    spec: VolumesSpec,
    *,
    provisioner: Callable[[VolumeClassSpec], str],
    parameters: Callable[[VolumeClassSpec], pulumi.Input[dict[str, str]]],
    expandable: Callable[[VolumeClassSpec], bool],
    opts: pulumi.ResourceOptions,
) -> StorageClasses:
    """One StorageClass per Volume class, named after its key: binds on first consumer (the volume lands in
    the pod's zone) and carries the default-class annotation (true on exactly one, the spec validates it)."""
    for key, class_spec in sorted(spec.classes.items()):
        k8s.storage.v1.StorageClass(
            f"{name}-{key}",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=key,
                annotations={DEFAULT_CLASS_ANNOTATION: "true" if class_spec.default else "false"},
                labels={"app.kubernetes.io/managed-by": "cloud-kernel"},
            ),
            provisioner=provisioner(class_spec),
            parameters=parameters(class_spec),
            reclaim_policy=class_spec.reclaim_policy,
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=expandable(class_spec),
            opts=opts,
        )
    shared = sorted(key for key, s in spec.classes.items() if s.tier == "shared")
    return StorageClasses(
        names={key: key for key in sorted(spec.classes)},
        default=next(key for key, s in spec.classes.items() if s.default),
        shared=shared[0] if shared else None,
    )
