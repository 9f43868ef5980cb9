"""What every cloud backend hands the layers above to reach its cluster: an exec-auth kubeconfig and the
explicit Kubernetes provider built from it. Cloud-neutral; each backend passes its own exec plugin."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s


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
