"""The Kubernetes provider of an existing cluster: a kubeconfig path from config, else the environment's."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from cloud_kernel.specs import LocalSpec


def kubernetes_provider(name: str, spec: LocalSpec, *, production: bool, parent: pulumi.Resource) -> k8s.Provider:
    """The provider reads the kubeconfig itself (a path, or $KUBECONFIG when unset): its content, which holds
    credentials, never passes through the program, the plan or the state."""
    return k8s.Provider(
        name,
        # Treated as a secret like every kubeconfig input, though here it is a path: the state never shows it.
        kubeconfig=pulumi.Output.secret(spec.kubeconfig) if spec.kubeconfig else None,
        context=spec.context,
        cluster_identifier=spec.cluster_name,
        enable_server_side_apply=True,
        delete_unreachable=not production,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def labels(component: str) -> dict[str, str]:
    return {"app.kubernetes.io/managed-by": "cloud-kernel", "app.kubernetes.io/component": component}
