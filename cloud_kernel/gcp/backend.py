"""`cloud-kernel:gcp:CloudKernel`: the root component of the GCP cloud kernel; it owns every other part and
returns the `CloudKernelContract`, the only thing the layers above see.

Order (everything else runs in parallel): project services -> keys (with their service-agent grants) and
network -> cluster -> node pools (in parallel) -> storage classes. Buckets, databases and workload
identities only wait for the keys, the private-service peering and what they reference.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

from cloud_kernel.contracts import (
    CloudKernelContract,
    LakehouseBucket as LakehouseFacts,
    SecretStore,
    identity_facts,
    node_pool_facts,
    postgres_facts,
    require_unique_names,
    secret_store_identity,
)
from cloud_kernel.gcp.cluster import Cluster
from cloud_kernel.gcp.identity import SECRET_NAME_SEPARATOR, WorkloadIdentity
from cloud_kernel.gcp.keys import Keys
from cloud_kernel.gcp.lakehouse import AccessLogBucket, LakehouseBucket
from cloud_kernel.gcp.network import Network
from cloud_kernel.gcp.node_pools import NodePool
from cloud_kernel.gcp.postgres import Postgres
from cloud_kernel.gcp.providers import GcpEnv, default_labels, gcp_provider, kubeconfig, project_services
from cloud_kernel.gcp.volumes import Volumes
from cloud_kernel.kubernetes import kubernetes_provider
from cloud_kernel.specs import CloudKernelSpec, IdentityRequest


def secret_store_provider(env: GcpEnv, store: IdentityRequest) -> dict:
    """External Secrets' GCP Secret Manager provider, authenticating as `store`'s service account through
    Workload Identity (a token for that Kubernetes service account, exchanged with Google's STS)."""
    return {
        "gcpsm": {
            "projectID": env.gcp_project,
            "auth": {
                "workloadIdentity": {
                    "clusterLocation": env.region,
                    "clusterName": env.cluster_name,
                    "clusterProjectID": env.gcp_project,
                    "serviceAccountRef": {"name": store.service_account, "namespace": store.namespace},
                }
            },
        }
    }


def zone_names(env: GcpEnv, count: int, parent: pulumi.Resource) -> pulumi.Output[list[str]]:
    def pick(names: list[str]) -> list[str]:
        if len(names) < count:
            raise ValueError(f"cloud-kernel:cloud.network.zones is {count} but {env.region} offers {len(names)} zones")
        return sorted(names)[:count]

    zones = gcp.compute.get_zones_output(project=env.gcp_project, region=env.region, status="UP", opts=env.invoke(parent))
    return zones.names.apply(pick)


class GcpCloudKernel(pulumi.ComponentResource):
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
        super().__init__("cloud-kernel:gcp:CloudKernel", name, None, opts)
        require_unique_names(identities)
        if spec.gcp.project is None:
            raise ValueError("cloud-kernel:cloud.gcp.project is required on GCP")
        env = self._env(name, spec, environment)
        gcp_opts = pulumi.ResourceOptions(parent=self, providers=[env.provider])
        services = project_services(f"{name}-service", env, self)
        keys = Keys(f"{name}-keys", env, rotation_days=spec.gcp.key_rotation_days, depends_on=services, opts=gcp_opts)
        network = Network(f"{name}-network", env, spec.network, spec.gcp, depends_on=services, opts=gcp_opts)
        cluster, pools = self._compute(name, env, spec, keys, network, gcp_opts)
        node_pools = [pool.node_pool for pool in pools.values()]
        config = kubeconfig(cluster.name, cluster.endpoint, cluster.ca_data)
        k8s_provider = kubernetes_provider(
            f"{name}-kubernetes", cluster_name=env.cluster_name, config=config, production=env.production, parent=self
        )
        volumes = Volumes(
            f"{name}-volumes",
            env,
            spec.volumes,
            volumes_key=keys.key_id("volumes"),
            network_name=network.network.name,
            reserved_range=network.private_services_range.name,
            kubernetes=k8s_provider,
            depends_on=node_pools,
            opts=gcp_opts,
        )
        buckets = self._buckets(name, env, spec, keys, gcp_opts)
        databases = self._databases(name, env, spec, keys, network, gcp_opts)
        workload_identities = {
            request.name: WorkloadIdentity(
                f"{name}-identity-{request.name}",
                env,
                request,
                buckets={key: bucket.name for key, bucket in buckets.items()},
                database_secrets=[db.admin_secret for _, db in sorted(databases.items())],
                depends_on=[cluster.cluster],  # the workload pool exists once the cluster does
                opts=gcp_opts,
            )
            for request in sorted(identities, key=lambda r: r.name)
        }
        self.env, self.keys, self.network, self.cluster, self.pools = env, keys, network, cluster, pools
        self.volumes, self.buckets, self.databases, self.identities = volumes, buckets, databases, workload_identities
        self.kubernetes_provider = k8s_provider
        self.contract = self._contract(spec, environment, config, secret_store_identity(identities), [cluster.cluster, *node_pools])
        self.register_outputs(
            {"clusterName": cluster.name, "network": network.network.self_link, "nodePools": sorted(pools), "buckets": {k: b.name for k, b in buckets.items()}}
        )

    def _env(self, name: str, spec: CloudKernelSpec, environment: str) -> GcpEnv:
        project, stack = pulumi.get_project(), pulumi.get_stack()
        labels = default_labels(project, stack, environment)
        gcp_project = spec.gcp.project or ""
        provider = gcp_provider(f"{name}-gcp", gcp_project, spec.region, labels, self)
        number = gcp.organizations.get_project_output(
            project_id=gcp_project, opts=pulumi.InvokeOutputOptions(provider=provider, parent=self)
        ).number
        return GcpEnv(
            project=project,
            stack=stack,
            environment=environment,
            region=spec.region,
            gcp_project=gcp_project,
            provider=provider,
            project_number=number,
            labels=labels,
        )

    def _compute(
        self, name: str, env: GcpEnv, spec: CloudKernelSpec, keys: Keys, network: Network, opts: pulumi.ResourceOptions
    ) -> tuple[Cluster, dict[str, NodePool]]:
        """The GKE cluster over the stack's zones, and its node pools (in parallel)."""
        zones = zone_names(env, spec.network.zones, self)
        cluster = Cluster(
            f"{name}-cluster",
            env,
            spec.cluster,
            spec.gcp,
            network=network.network.id,
            subnet=network.subnet.id,
            zones=zones,
            secrets_key=keys.key_id("cluster"),
            volumes_key=keys.key_id("volumes"),
            filestore=spec.volumes.shared_enabled,
            depends_on=[*keys.ready("cluster"), *keys.ready("volumes"), network.nat],
            opts=opts,
        )
        pools = {
            key: NodePool(
                f"{name}-pool-{key}",
                env,
                key,
                pool,
                cluster=cluster.cluster,
                zones=zones,
                zone_count=spec.network.zones,
                boot_disk_key=keys.key_id("volumes"),
                opts=opts,
            )
            for key, pool in sorted(spec.node_pools.items())
        }
        return cluster, pools

    def _buckets(self, name: str, env: GcpEnv, spec: CloudKernelSpec, keys: Keys, opts: pulumi.ResourceOptions) -> dict[str, LakehouseBucket]:
        if not spec.lakehouse:
            return {}
        ready = keys.ready("lakehouse")
        logs = AccessLogBucket(
            f"{name}-access-logs", env, key_id=keys.key_id("lakehouse"), retention_days=spec.gcp.access_log_retention_days, depends_on=ready, opts=opts
        )
        return {
            key: LakehouseBucket(
                f"{name}-bucket-{key}",
                env,
                key,
                bucket,
                key_id=keys.key_id("lakehouse"),
                log_bucket=logs.bucket,
                soft_delete_days=spec.gcp.soft_delete_days,
                depends_on=ready,
                opts=opts,
            )
            for key, bucket in sorted(spec.lakehouse.items())
        }

    def _databases(
        self, name: str, env: GcpEnv, spec: CloudKernelSpec, keys: Keys, network: Network, opts: pulumi.ResourceOptions
    ) -> dict[str, Postgres]:
        if not spec.postgres:
            return {}
        # Stacks disable default providers, so the generated passwords get an explicit one of their own.
        random_provider = random.Provider(f"{name}-random", opts=pulumi.ResourceOptions(parent=self))
        return {
            key: Postgres(
                f"{name}-db-{key}",
                env,
                key,
                db,
                network=network.network.id,
                allocated_range=network.private_services_range.name,
                key_id=keys.key_id("databases"),
                random_provider=random_provider,
                depends_on=[*keys.ready("databases"), network.private_services],
                opts=opts,
            )
            for key, db in sorted(spec.postgres.items())
        }

    def _contract(
        self,
        spec: CloudKernelSpec,
        environment: str,
        config: pulumi.Output[str],
        store: IdentityRequest | None,
        ready: list[pulumi.Resource],
    ) -> CloudKernelContract:
        return CloudKernelContract(
            cloud="gcp",
            region=spec.region,
            environment=environment,
            cluster_name=self.cluster.name,
            cluster_endpoint=self.cluster.endpoint,
            kubeconfig=config,
            oidc_issuer=self.cluster.issuer,
            kubernetes_version=spec.cluster.version,
            kubernetes_provider=self.kubernetes_provider,
            storage_classes=dict(self.volumes.storage_classes),
            default_storage_class=self.volumes.default_class,
            shared_storage_class=self.volumes.shared_class,
            node_pools=node_pool_facts(spec.node_pools, self.pools),
            lakehouse={key: LakehouseFacts(name=b.name, uri=b.uri, region=spec.region) for key, b in self.buckets.items()},
            postgres=postgres_facts(spec.postgres, self.databases),
            identities=identity_facts(self.identities),
            secret_store=(
                SecretStore(provider=secret_store_provider(self.env, store), identity=store.name, name_separator=SECRET_NAME_SEPARATOR)
                if store
                else None
            ),
            cluster_ready=ready,
        )
