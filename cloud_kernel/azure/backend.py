"""`cloud-kernel:azure:CloudKernel`: the root component of the Azure cloud kernel; it owns every other part and
returns the `CloudKernelContract`, the only thing the layers above see.

Order (everything else runs in parallel): resource group -> network -> keys (vault, keys, identities, disk
encryption set) -> cluster -> node pools (in parallel) -> storage classes. Storage accounts, databases and
workload identities wait only for what they reference.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_azure_native.containerservice as containerservice
import pulumi_azure_native.resources as resources

from cloud_kernel.azure.cluster import Cluster
from cloud_kernel.azure.identity import POD_LABELS, BucketScope, WorkloadIdentity
from cloud_kernel.azure.keys import Keys
from cloud_kernel.azure.lakehouse import LakehouseAccount
from cloud_kernel.azure.network import Network
from cloud_kernel.azure.node_pools import NodePool
from cloud_kernel.azure.postgres import Postgres
from cloud_kernel.azure.providers import AzureEnv, azure_provider, client_config, kubeconfig
from cloud_kernel.azure.volumes import Volumes
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
from cloud_kernel.environment import default_tags
from cloud_kernel.kubernetes import kubernetes_provider
from cloud_kernel.specs import CloudKernelSpec, IdentityRequest

# Key Vault secret names allow letters, digits and dashes only: `cloud-kernel/dev/x` is `cloud-kernel-dev-x`.
SECRET_NAME_SEPARATOR = "-"


def secret_store_provider(store: IdentityRequest, vault_uri: pulumi.Output[str], tenant_id: pulumi.Output[str]) -> pulumi.Output[dict]:
    """External Secrets' Azure Key Vault provider, authenticating as the store identity's service account."""
    return pulumi.Output.all(vault_uri, tenant_id).apply(
        lambda values: {
            "azurekv": {
                "authType": "WorkloadIdentity",
                "vaultUrl": values[0],
                "tenantId": values[1],
                "serviceAccountRef": {"name": store.service_account, "namespace": store.namespace},
            }
        }
    )


class AzureCloudKernel(pulumi.ComponentResource):
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
        super().__init__("cloud-kernel:azure:CloudKernel", name, None, opts)
        require_unique_names(identities)
        env = self._env(name, spec, environment)
        azure_opts = pulumi.ResourceOptions(parent=self, providers=[env.provider])
        network = Network(f"{name}-network", env, spec.network, spec.azure, private_cluster=not spec.cluster.public_endpoint, opts=azure_opts)
        keys = Keys(
            f"{name}-keys", env, retention_days=spec.azure.key_vault_retention_days,
            subnet_id=network.subnet_id("endpoints"), dns_zone_id=network.dns_zones["vault"].id, opts=azure_opts,
        )
        cluster = Cluster(
            f"{name}-cluster", env, spec.cluster, spec.azure, network=network, identity=keys.identity("cluster"),
            kms_key_uri=keys.keys["cluster"].key_uri_with_version, vault_id=keys.vault.id,
            disk_encryption_set_id=keys.disk_encryption_set.id, depends_on=[*keys.grants["cluster"], keys.endpoint], opts=azure_opts,
        )
        pools = {
            key: NodePool(
                f"{name}-pool-{key}", env, key, pool, cluster_name=cluster.name, version=spec.cluster.version,
                subnet_id=network.subnet_id("nodes"), opts=azure_opts,
            )
            for key, pool in sorted(spec.node_pools.items())
        }
        agent_pools = [pool.agent_pool for pool in pools.values()]
        self.kubeconfig = self._kubeconfig(env, cluster)
        k8s_provider = kubernetes_provider(
            f"{name}-kubernetes", cluster_name=env.prefix, config=self.kubeconfig,
            production=env.production, parent=self, depends_on=cluster.ready,
        )
        volumes = Volumes(
            f"{name}-volumes", spec.volumes, disk_encryption_set_id=keys.disk_encryption_set.id,
            kubernetes=k8s_provider, node_pools=agent_pools, opts=azure_opts,
        )
        accounts, databases = self._data(name, env, spec, network, keys, cluster, azure_opts)
        workload_identities = {
            request.name: WorkloadIdentity(
                f"{name}-identity-{request.name}", env, request, issuer=cluster.issuer,
                buckets={k: BucketScope(account_id=a.id, container_id=a.container_id) for k, a in accounts.items()},
                vault_id=keys.vault.id, database_secret_ids={k: db.admin_secret.id for k, db in databases.items()},
                opts=azure_opts,
            )
            for request in sorted(identities, key=lambda r: r.name)
        }
        self.network, self.keys, self.cluster, self.pools = network, keys, cluster, pools
        self.volumes, self.accounts, self.databases, self.identities = volumes, accounts, databases, workload_identities
        self.kubernetes_provider = k8s_provider
        self.contract = self._contract(spec, env, environment, identities, k8s_provider, agent_pools)
        self.register_outputs(
            {"clusterName": cluster.name, "vnetId": network.vnet.id, "nodePools": sorted(pools),
             "accounts": {key: a.name for key, a in accounts.items()}}
        )

    def _data(self, name: str, env: AzureEnv, spec: CloudKernelSpec, network: Network, keys: Keys, cluster: Cluster,
              opts: pulumi.ResourceOptions) -> tuple[dict[str, LakehouseAccount], dict[str, Postgres]]:
        """The stateful data services: one storage account per lakehouse entry, one server per Postgres entry."""
        accounts = {
            key: LakehouseAccount(
                f"{name}-lake-{key}", env, key, bucket, key_vault_uri=keys.vault_uri, identity_id=keys.identity("lakehouse").id,
                key_grants=keys.grants["lakehouse"], workspace_id=cluster.workspace.id, subnet_id=network.subnet_id("endpoints"),
                dns_zone_ids={g: network.dns_zones[g].id for g in ("dfs", "blob")}, opts=opts,
            )
            for key, bucket in sorted(spec.lakehouse.items())
        }
        databases = {
            key: Postgres(
                f"{name}-db-{key}", env, key, db, subnet_id=network.subnet_id("postgres"),
                dns_zone_id=network.dns_zones["postgres"].id, key_uri=keys.key_uri("databases"),
                identity_id=keys.identity("databases").id, key_grants=keys.grants["databases"], vault_name=keys.vault.name,
                workspace_id=cluster.workspace.id, opts=opts,
            )
            for key, db in sorted(spec.postgres.items())
        }
        return accounts, databases

    def _env(self, name: str, spec: CloudKernelSpec, environment: str) -> AzureEnv:
        project, stack = pulumi.get_project(), pulumi.get_stack()
        tags = default_tags(project, stack, environment)
        provider = azure_provider(f"{name}-azure", spec.region, self)
        client = client_config(provider, self)
        group = resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=f"{project}-{stack}",
            location=spec.region,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, provider=provider, protect=environment == "prod"),
        )
        return AzureEnv(
            project=project, stack=stack, environment=environment, region=spec.region, zones=spec.network.zones,
            provider=provider, subscription_id=client.subscription_id, tenant_id=client.tenant_id,
            deployer_object_id=client.object_id, resource_group_name=group.name, tags=tags,
        )

    def _kubeconfig(self, env: AzureEnv, cluster: Cluster) -> pulumi.Output[str]:
        credentials = containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=env.resource_group_name,
            resource_name=cluster.name,
            opts=pulumi.InvokeOutputOptions(provider=env.provider, parent=self, depends_on=[cluster.cluster]),
        )
        document = credentials.kubeconfigs.apply(lambda configs: _decode(configs[0].value))
        return kubeconfig(cluster.name, pulumi.Output.secret(document))

    def _contract(self, spec: CloudKernelSpec, env: AzureEnv, environment: str, identities: Sequence[IdentityRequest],
                  k8s_provider: pulumi.ProviderResource, agent_pools: list[pulumi.Resource]) -> CloudKernelContract:
        cluster, pools, store = self.cluster, self.pools, secret_store_identity(identities)
        return CloudKernelContract(
            cloud="azure",
            region=spec.region,
            environment=environment,
            cluster_name=cluster.name,
            cluster_endpoint=cluster.endpoint,
            kubeconfig=self.kubeconfig,
            oidc_issuer=cluster.issuer,
            kubernetes_version=spec.cluster.version,
            kubernetes_provider=k8s_provider,
            storage_classes=dict(self.volumes.storage_classes),
            default_storage_class=self.volumes.default_class,
            shared_storage_class=self.volumes.shared_class,
            node_pools=node_pool_facts(spec.node_pools, pools),
            lakehouse={key: LakehouseFacts(name=a.name, uri=a.uri, region=spec.region) for key, a in self.accounts.items()},
            postgres=postgres_facts(spec.postgres, self.databases),
            identities=identity_facts(self.identities, pod_labels=POD_LABELS),
            secret_store=SecretStore(provider=secret_store_provider(store, self.keys.vault_uri, env.tenant_id), identity=store.name,
                                     name_separator=SECRET_NAME_SEPARATOR)
            if store else None,
            cluster_ready=[self.cluster.cluster, *self.cluster.ready, *agent_pools],
        )


def _decode(value: str) -> str:
    import base64

    return base64.b64decode(value).decode()
