"""`cloud-kernel:aws:CloudKernel`: the root component of the AWS cloud kernel; it owns every other part and
returns the `CloudKernelContract`, the only thing the layers above see.

Order (everything else runs in parallel): keys -> network -> cluster (+ vpc-cni, kube-proxy) -> node pools
(in parallel) -> coredns and the storage drivers -> storage classes. Buckets, databases and workload
identities only wait for what they reference.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from cloud_kernel.aws.cluster import Cluster, ClusterAddons
from cloud_kernel.aws.identity import WorkloadIdentity
from cloud_kernel.aws.keys import Keys
from cloud_kernel.aws.lakehouse import AccessLogBucket, LakehouseBucket
from cloud_kernel.aws.network import Network
from cloud_kernel.aws.node_pools import NodePool
from cloud_kernel.aws.postgres import Postgres
from cloud_kernel.aws.providers import AwsEnv, aws_provider, kubeconfig, kubernetes_provider
from cloud_kernel.aws.volumes import Volumes
from cloud_kernel.environment import default_tags
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
from cloud_kernel.specs import CloudKernelSpec, IdentityRequest


class AwsCloudKernel(pulumi.ComponentResource):
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
        super().__init__("cloud-kernel:aws:CloudKernel", name, None, opts)
        require_unique_names(identities)
        project, stack = pulumi.get_project(), pulumi.get_stack()
        tags = default_tags(project, stack, environment)
        provider = aws_provider(f"{name}-aws", spec.region, tags, self)
        invoke = pulumi.InvokeOutputOptions(provider=provider, parent=self)
        env = AwsEnv(
            project=project,
            stack=stack,
            environment=environment,
            region=spec.region,
            provider=provider,
            account_id=aws.get_caller_identity_output(opts=invoke).account_id,
            partition=aws.get_partition_output(opts=invoke).partition,
            tags=tags,
        )
        aws_opts = pulumi.ResourceOptions(parent=self, providers=[provider])

        keys = Keys(f"{name}-keys", env, deletion_window_days=spec.aws.kms_deletion_window_days, opts=aws_opts)
        zones = aws.get_availability_zones_output(
            state="available",
            filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
            opts=invoke,
        ).names
        network = Network(f"{name}-network", env, spec.network, zones=zones, logs_key_arn=keys.arn("logs"), opts=aws_opts)
        cluster = Cluster(
            f"{name}-cluster",
            env,
            spec.cluster,
            spec.aws,
            subnet_ids=network.private_subnet_ids,
            secrets_key_arn=keys.arn("cluster"),
            logs_key_arn=keys.arn("logs"),
            opts=aws_opts,
        )
        pools = {
            key: NodePool(
                f"{name}-pool-{key}",
                env,
                key,
                pool,
                cluster=cluster.cluster,
                subnet_ids=network.private_subnet_ids,
                volumes_key_arn=keys.arn("volumes"),
                depends_on=cluster.before_nodes,
                opts=aws_opts,
            )
            for key, pool in sorted(spec.node_pools.items())
        }
        node_groups = [pool.node_group for pool in pools.values()]
        addons = ClusterAddons(f"{name}-addons", cluster, spec.aws, node_groups=node_groups, opts=aws_opts)

        k8s_provider = kubernetes_provider(
            f"{name}-kubernetes",
            cluster_name=env.cluster_name,
            config=kubeconfig(cluster.name, cluster.endpoint, cluster.ca_data, spec.region),
            production=env.production,
            parent=self,
            # Kubernetes calls need an admin access entry and, for a private endpoint, the deployer's network.
            depends_on=[*cluster.access, *cluster.deployer_access],
        )
        volumes = Volumes(
            f"{name}-volumes",
            env,
            spec.volumes,
            spec.aws,
            cluster=cluster,
            vpc_id=network.vpc.id,
            subnet_ids=network.private_subnet_ids,
            volumes_key_arn=keys.arn("volumes"),
            kubernetes=k8s_provider,
            node_groups=node_groups,
            opts=aws_opts,
        )

        buckets: dict[str, LakehouseBucket] = {}
        if spec.lakehouse:
            logs = AccessLogBucket(f"{name}-access-logs", env, retention_days=spec.aws.access_log_retention_days, opts=aws_opts)
            for key, bucket in sorted(spec.lakehouse.items()):
                buckets[key] = LakehouseBucket(
                    f"{name}-bucket-{key}", env, key, bucket, key_arn=keys.arn("lakehouse"), log_bucket=logs.bucket, opts=aws_opts
                )

        databases = {
            key: Postgres(
                f"{name}-db-{key}",
                env,
                key,
                db,
                vpc_id=network.vpc.id,
                subnet_ids=network.private_subnet_ids,
                client_security_group_id=cluster.security_group_id,
                key_arn=keys.arn("databases"),
                logs_key_arn=keys.arn("logs"),
                performance_insights_retention_days=spec.aws.performance_insights_retention_days,
                opts=aws_opts,
            )
            for key, db in sorted(spec.postgres.items())
        }

        workload_identities = {
            request.name: WorkloadIdentity(
                f"{name}-identity-{request.name}",
                env,
                request,
                oidc_provider_arn=cluster.oidc_provider.arn,
                issuer=cluster.issuer,
                bucket_arns={key: bucket.arn for key, bucket in buckets.items()},
                lakehouse_key_arn=keys.arn("lakehouse") if buckets else None,
                database_secret_arns=[db.admin_secret_arn for _, db in sorted(databases.items())],
                database_key_arn=keys.arn("databases") if databases else None,
                opts=aws_opts,
            )
            for request in sorted(identities, key=lambda r: r.name)
        }
        store = secret_store_identity(identities)

        self.keys, self.network, self.cluster, self.pools = keys, network, cluster, pools
        self.volumes, self.buckets, self.databases, self.identities = volumes, buckets, databases, workload_identities
        self.kubernetes_provider = k8s_provider
        self.contract = CloudKernelContract(
            cloud="aws",
            region=spec.region,
            environment=environment,
            cluster_name=cluster.name,
            cluster_endpoint=cluster.endpoint,
            kubeconfig=kubeconfig(cluster.name, cluster.endpoint, cluster.ca_data, spec.region),
            oidc_issuer=cluster.issuer,
            kubernetes_version=spec.cluster.version,
            kubernetes_provider=k8s_provider,
            storage_classes=dict(volumes.storage_classes),
            default_storage_class=volumes.default_class,
            shared_storage_class=volumes.shared_class,
            node_pools=node_pool_facts(spec.node_pools, pools),
            lakehouse={
                key: LakehouseFacts(name=bucket.name, uri=bucket.uri, region=spec.region) for key, bucket in buckets.items()
            },
            postgres=postgres_facts(spec.postgres, databases),
            identities=identity_facts(workload_identities),
            secret_store=(
                SecretStore(
                    provider={
                        "aws": {
                            "service": "SecretsManager",
                            "region": spec.region,
                            "auth": {"jwt": {"serviceAccountRef": {"name": store.service_account, "namespace": store.namespace}}},
                        }
                    },
                    identity=store.name,
                )
                if store
                else None
            ),
            cluster_ready=[*cluster.before_nodes, *node_groups, *addons.addons, *volumes.addons],
            network_id=network.vpc.id,
        )
        self.register_outputs(
            {
                "clusterName": cluster.name,
                "vpcId": network.vpc.id,
                "nodePools": sorted(pools),
                "buckets": {key: b.name for key, b in buckets.items()},
            }
        )
