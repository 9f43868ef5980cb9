"""The explicit provider of the GCP backend, the project services it needs, and the facts every GCP component
shares (`GcpEnv`).

Stacks set `pulumi:disable-default-providers: ["*"]`, so nothing here relies on an ambient provider: resources
inherit the provider from the root component, every invoke names it, and every resource names its project.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from cloud_kernel.environment import CloudEnv
from cloud_kernel.kubernetes import exec_kubeconfig

MANAGED_BY = "cloud-kernel"

# APIs the stack uses, enabled explicitly and never disabled on destroy (other stacks of the project, or
# resources outside Pulumi, may rely on them).
SERVICES = (
    "cloudkms.googleapis.com",
    "compute.googleapis.com",
    "container.googleapis.com",
    "file.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "secretmanager.googleapis.com",
    "servicenetworking.googleapis.com",
    "sqladmin.googleapis.com",
    "storage.googleapis.com",
)


@dataclass(frozen=True)
class GcpEnv(CloudEnv):
    """What every GCP component needs to know: where it runs, with which provider, how protected."""

    gcp_project: str
    project_number: pulumi.Output[str]
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def cluster_name(self) -> str:
        return self.prefix[:40].rstrip("-")

    @property
    def workload_pool(self) -> str:
        return f"{self.gcp_project}.svc.id.goog"

    def service_agent(self, service: str) -> pulumi.Output[str]:
        """`serviceAccount:service-<number>@<service>.iam.gserviceaccount.com`, a Google-managed service agent."""
        return self.project_number.apply(lambda n: f"serviceAccount:service-{n}@{service}.iam.gserviceaccount.com")

    def short_name(self, name: str, limit: int) -> str:
        """`<name>-<digest>` within `limit` characters, unique per project, stack and name (for the cloud's
        short global names: service-account ids, Cloud SQL instances)."""
        digest = hashlib.sha256(f"{self.gcp_project}/{self.prefix}/{name}".encode()).hexdigest()[:6]
        return f"{name[: limit - len(digest) - 1].rstrip('-')}-{digest}"


def default_labels(project: str, stack: str, environment: str) -> dict[str, str]:
    """GCP labels: lowercase keys and values, `[-_a-z0-9]` only."""
    return {
        "environment": environment,
        "stack": stack.lower(),
        "project": project.lower(),
        "layer": "cloud-kernel",
        "managed-by": MANAGED_BY,
    }


def gcp_provider(name: str, project: str, region: str, labels: dict[str, str], parent: pulumi.Resource) -> gcp.Provider:
    return gcp.Provider(
        name,
        project=project,
        region=region,
        default_labels=labels,
        add_pulumi_attribution_label=False,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def project_services(name: str, env: GcpEnv, parent: pulumi.Resource) -> list[gcp.projects.Service]:
    """Every API of `SERVICES`, enabled and kept enabled when the stack is destroyed."""
    return [
        gcp.projects.Service(
            f"{name}-{service.split('.')[0]}",
            project=env.gcp_project,
            service=service,
            disable_on_destroy=False,
            disable_dependent_services=False,
            opts=pulumi.ResourceOptions(parent=parent, provider=env.provider),
        )
        for service in SERVICES
    ]


def kubeconfig(cluster_name: pulumi.Input[str], endpoint: pulumi.Input[str], ca_data: pulumi.Input[str]) -> pulumi.Output[str]:
    """A kubeconfig that authenticates with `gke-gcloud-auth-plugin` (short-lived tokens, no static credential)."""
    return exec_kubeconfig(
        cluster_name,
        endpoint,
        ca_data,
        {
            "command": "gke-gcloud-auth-plugin",
            "installHint": "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
            "provideClusterInfo": True,
            "interactiveMode": "Never",
        },
    )
