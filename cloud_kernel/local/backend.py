"""`cloud-kernel:local:CloudKernel`: the cloud kernel of a Kubernetes cluster that already exists.

The cluster, its nodes and its network exist; the config declares what they offer (node pools with the labels and
taints of their nodes, the storage provisioner). It creates the data namespace, StorageClasses and a CloudNativePG
`Cluster` per postgres entry, and returns the same `CloudKernelContract` as the clouds. Workload identities are
the service accounts themselves: there is no cloud IAM to bind them to.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import pulumi
import pulumi_kubernetes as k8s

from cloud_kernel.contracts import (CloudKernelContract, NodePoolFacts, WorkloadIdentity, node_pool_facts,
                                    postgres_facts, require_unique_names)
from cloud_kernel.local.postgres import Postgres
from cloud_kernel.local.providers import kubernetes_provider, labels
from cloud_kernel.local.volumes import Volumes
from cloud_kernel.specs import CloudKernelSpec, IdentityRequest, LocalSpec

RESTRICTED = {f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "audit", "warn")}


def data_namespace(name: str, local: LocalSpec, opts: pulumi.ResourceOptions) -> k8s.core.v1.Namespace:
    return k8s.core.v1.Namespace(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=local.data_namespace, labels={**labels("data"), **RESTRICTED}),
        opts=opts,
    )


def declared_pools(spec: CloudKernelSpec) -> dict[str, NodePoolFacts]:
    """The pools as the config declares them: the labels and taints their nodes already carry."""
    pools = {
        key: SimpleNamespace(labels=dict(pool.labels),
                             taints=[{"key": t.key, "value": t.value, "effect": t.effect} for t in pool.taints])
        for key, pool in spec.node_pools.items()
    }
    return node_pool_facts(spec.node_pools, pools)


def service_account_identity(request: IdentityRequest) -> WorkloadIdentity:
    principal = f"system:serviceaccount:{request.namespace}:{request.service_account}"
    return WorkloadIdentity(
        namespace=request.namespace,
        service_account=request.service_account,
        annotations=pulumi.Output.from_input({}),
        principal=pulumi.Output.from_input(principal),
    )


class LocalCloudKernel(pulumi.ComponentResource):
    contract: CloudKernelContract

    def __init__(
        self,
        name: str,
        spec: CloudKernelSpec,
        *,
        environment: str,
        identities: Sequence[IdentityRequest] = (),
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:local:CloudKernel", name, None, opts)
        require_unique_names(identities)
        production = environment == "prod"
        provider = kubernetes_provider(f"{name}-kubernetes", spec.local, production=production, parent=self)
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=provider)
        volumes = Volumes(f"{name}-volumes", spec.volumes, spec.local, k8s_opts)
        databases: dict[str, Postgres] = {}
        if spec.postgres:
            namespace = data_namespace(f"{name}-data", spec.local, k8s_opts)
            db_opts = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[namespace, volumes])
            databases = {
                key: Postgres(f"{name}-db-{key}", key, db, spec.local, storage_class=volumes.default_class,
                              production=production, opts=db_opts)
                for key, db in sorted(spec.postgres.items())
            }
        cluster_name = pulumi.Output.from_input(spec.local.cluster_name)
        self.contract = CloudKernelContract(
            cloud="local",
            region=spec.region,
            environment=environment,
            cluster_name=cluster_name,
            cluster_endpoint=pulumi.Output.from_input(""),  # whatever the kubeconfig names; never read here
            kubeconfig=pulumi.Output.secret(spec.local.kubeconfig or ""),  # a path, not credentials
            oidc_issuer=pulumi.Output.from_input(""),
            kubernetes_version=spec.cluster.version,
            kubernetes_provider=provider,
            storage_classes=dict(volumes.storage_classes),
            default_storage_class=volumes.default_class,
            shared_storage_class=volumes.shared_class,
            node_pools=declared_pools(spec),
            lakehouse={},
            postgres=postgres_facts(spec.postgres, databases),
            identities={r.name: service_account_identity(r) for r in sorted(identities, key=lambda r: r.name)},
            secret_store=None,
            cluster_ready=[volumes],
        )
        self.register_outputs({"clusterName": cluster_name, "postgres": sorted(databases)})
