"""`CloudKernelContract`: the only thing the layers above may know about the cloud kernel.

Every cloud backend returns one. Upper layers read its fields and never import a cloud module, so the core
kernel and user space run unchanged on AWS, GCP and Azure. `exports()` turns it into stack outputs, which
makes the contract readable through a StackReference if a layer is ever split into its own project.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from cloud_kernel.specs import IdentityRequest, NodePoolSpec, PostgresSpec

SECRET_STORE_IDENTITY = "external-secrets"


@dataclass(frozen=True)
class NodePoolFacts:
    """Plain facts about a node pool that schedulers need: how to land a pod on it."""

    name: str
    machine: str
    labels: dict[str, str]
    taints: list[dict[str, str]]
    gpu: bool
    spot: bool


@dataclass(frozen=True)
class LakehouseBucket:
    name: pulumi.Output[str]
    uri: pulumi.Output[str]  # s3://..., gs://..., abfss://...
    region: str


@dataclass(frozen=True)
class PostgresInstance:
    host: pulumi.Output[str]
    port: pulumi.Output[int]
    engine_version: str
    admin_username: str
    # Where the admin credential lives in the cloud secret manager (ARN, secret id or Key Vault URI).
    admin_secret_ref: pulumi.Output[str]


@dataclass(frozen=True)
class WorkloadIdentity:
    """A cloud identity bound to one Kubernetes service account."""

    namespace: str
    service_account: str
    # The annotation that binds the service account to the identity, e.g.
    # {"eks.amazonaws.com/role-arn": "arn:aws:iam::...:role/..."}.
    annotations: pulumi.Output[dict[str, str]]
    principal: pulumi.Output[str]
    # Labels the pods running as that service account need (AKS: `azure.workload.identity/use: "true"`, the
    # opt-in of the workload identity webhook that projects the token); empty where the cloud needs none.
    pod_labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SecretStore:
    """How External Secrets reaches the cloud's secret manager (a ClusterSecretStore provider block)."""

    provider: dict[str, Any] | pulumi.Output[dict[str, Any]]
    identity: str  # key into CloudKernelContract.identities
    # Secret names are `/`-separated paths (`cloud-kernel/<env>/...`); a secret manager that does not allow
    # `/` in names (GCP Secret Manager) stores them with this separator instead.
    name_separator: str = "/"


def require_unique_names(requests: Sequence[IdentityRequest]) -> None:
    names = [r.name for r in requests]
    if len(names) != len(set(names)):
        raise ValueError(f"identity requests must have unique names, got {sorted(names)}")


def require_known_buckets(request: IdentityRequest, buckets: Iterable[str]) -> None:
    """An identity may only ask for lakehouse buckets the stack defines."""
    missing = sorted(set(request.buckets) - set(buckets))
    if missing:
        raise ValueError(
            f"identity {request.name!r} asks for lakehouse bucket(s) {', '.join(missing)} that "
            f"cloud-kernel:cloud.lakehouse does not define"
        )


def node_pool_facts(specs: Mapping[str, NodePoolSpec], pools: Mapping[str, Any]) -> dict[str, NodePoolFacts]:
    """Facts of each backend node pool component (`labels`, `taints`) and its spec, by pool key."""
    return {
        key: NodePoolFacts(
            name=key,
            machine=spec.machine,
            labels=dict(pools[key].labels),
            taints=list(pools[key].taints),
            gpu=spec.gpu is not None,
            spot=spec.spot,
        )
        for key, spec in sorted(specs.items())
    }


def postgres_facts(specs: Mapping[str, PostgresSpec], databases: Mapping[str, Any]) -> dict[str, PostgresInstance]:
    """Facts of each backend Postgres component (`host`, `port`, `admin_username`, `admin_secret_ref`)."""
    return {
        key: PostgresInstance(
            host=db.host,
            port=db.port,
            engine_version=specs[key].version,
            admin_username=db.admin_username,
            admin_secret_ref=db.admin_secret_ref,
        )
        for key, db in databases.items()
    }


def identity_facts(identities: Mapping[str, Any], pod_labels: Mapping[str, str] | None = None) -> dict[str, WorkloadIdentity]:
    """Facts of each backend workload-identity component (`request`, `annotations`, `principal`); `pod_labels`
    are the cloud's opt-in labels for pods of those service accounts."""
    return {
        key: WorkloadIdentity(
            namespace=ident.request.namespace,
            service_account=ident.request.service_account,
            annotations=ident.annotations,
            principal=ident.principal,
            pod_labels=dict(pod_labels or {}),
        )
        for key, ident in identities.items()
    }


def secret_store_identity(requests: Sequence[IdentityRequest]) -> IdentityRequest | None:
    """The identity External Secrets uses: the one named `external-secrets`, else the first (by name) that may
    read secrets; None when no identity may."""
    readers = sorted((r for r in requests if r.secrets_read), key=lambda r: r.name)
    for request in readers:
        if request.name == SECRET_STORE_IDENTITY:
            return request
    return readers[0] if readers else None


@dataclass(frozen=True)
class CloudKernelContract:
    cloud: str
    region: str
    environment: str
    cluster_name: pulumi.Output[str]
    cluster_endpoint: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]  # secret
    oidc_issuer: pulumi.Output[str]
    kubernetes_version: str
    kubernetes_provider: k8s.Provider
    storage_classes: dict[str, str]  # volume class key -> StorageClass name
    default_storage_class: str
    shared_storage_class: str | None  # ReadWriteMany class, when enabled
    node_pools: dict[str, NodePoolFacts]
    lakehouse: dict[str, LakehouseBucket]
    postgres: dict[str, PostgresInstance]
    identities: dict[str, WorkloadIdentity] = field(default_factory=dict)
    secret_store: SecretStore | None = None
    # Resources that must exist before anything is scheduled in the cluster (node pools, CNI, CSI add-ons).
    cluster_ready: list[pulumi.Resource] = field(default_factory=list)
    # The cluster's private network (AWS: VPC id), for add-ons that cannot discover it (no pod reaches IMDS).
    network_id: pulumi.Output[str] | None = None

    def exports(self) -> dict[str, Any]:
        """Stack outputs; the kubeconfig stays a secret."""
        return {
            "cloud": self.cloud,
            "region": self.region,
            "environment": self.environment,
            "clusterName": self.cluster_name,
            "clusterEndpoint": self.cluster_endpoint,
            "kubeconfig": pulumi.Output.secret(self.kubeconfig),
            "oidcIssuer": self.oidc_issuer,
            "kubernetesVersion": self.kubernetes_version,
            "storageClasses": dict(self.storage_classes),
            "nodePools": {
                name: {"labels": pool.labels, "taints": pool.taints, "gpu": pool.gpu, "spot": pool.spot}
                for name, pool in sorted(self.node_pools.items())
            },
            "lakehouse": {
                name: {"bucket": bucket.name, "uri": bucket.uri} for name, bucket in sorted(self.lakehouse.items())
            },
            "postgres": {
                name: {"host": db.host, "port": db.port, "adminSecret": db.admin_secret_ref}
                for name, db in sorted(self.postgres.items())
            },
            "identities": {name: ident.principal for name, ident in sorted(self.identities.items())},
        }
