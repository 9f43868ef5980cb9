"""`CoreKernel`: everything every workspace relies on, installed into the cluster of any cloud.

It consumes only the `CloudKernelContract`. Children: Scheduling (PriorityClasses), Namespaces (PSA labels +
NetworkPolicies) and ClusterAddons (what the cloud's managed Kubernetes lacks, `core_kernel/addons.py`) first,
then the services in parallel, each waiting only for what it needs (a reason per edge, `BuildContext.ready`):
every ServiceMonitor/PodMonitor (ours, none from a chart: `apply_monitors`) waits for Monitoring (its CRDs) and no
release does, the Gateway's Certificate for CertManager (CRDs, ClusterIssuer), the catalog's ExternalSecret for
ExternalSecrets (CRDs, ClusterSecretStore); then the `platform-context` ConfigMap. Each service is switched by
`cloud-kernel:core.<service>.enabled`.
"""

from __future__ import annotations

from typing import Any

import pulumi

from cloud_kernel.contracts import CloudKernelContract
from core_kernel.addons import cluster_addons, dns_zone
from core_kernel.context import PlatformContext
from core_kernel.namespaces import namespace_object, platform_namespaces
from core_kernel.network_policies import network_policies
from core_kernel.platform import ClusterFacts, build_context, context_configmap
from core_kernel.scheduling import priority_class_objects
from core_kernel.services.catalog import Catalog
from core_kernel.services.cluster_addons import ClusterAddons
from core_kernel.services.cert_manager import CertManager
from core_kernel.services.common import BuildContext, apply_object, k8s_opts
from core_kernel.services.external_secrets import ExternalSecrets
from core_kernel.services.gateway import Gateway
from core_kernel.services.monitoring import Monitoring
from core_kernel.services.policy import Policy
from core_kernel.services.runtime import Runtime
from core_kernel.services.spark import Spark
from core_kernel.services.workflows import Workflows
from core_kernel.specs import CoreKernelSpec

class Scheduling(pulumi.ComponentResource):
    """PriorityClasses: platform-critical, workspace-default (the global default) and batch."""

    def __init__(self, name: str, contract: CloudKernelContract, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:Scheduling", name, None, opts)
        self.priority_classes = [
            apply_object(f"{name}-{obj['metadata']['name']}", obj, k8s_opts(self, contract))
            for obj in priority_class_objects()
        ]
        self.register_outputs({"priorityClasses": [obj["metadata"]["name"] for obj in priority_class_objects()]})


class Namespaces(pulumi.ComponentResource):
    """One namespace per enabled service (and the platform namespace), each with its NetworkPolicies."""

    def __init__(
        self,
        name: str,
        spec: CoreKernelSpec,
        contract: CloudKernelContract,
        opts: pulumi.ResourceOptions | None = None,
        addons: list[str] | None = None,
    ):
        super().__init__("cloud-kernel:core:Namespaces", name, None, opts)
        namespaces = platform_namespaces(spec, addons or [])
        # Service key -> [Namespace, NetworkPolicy...]: a service waits for all of them (deny first).
        self.ready: dict[str, list[pulumi.Resource]] = {}
        self.namespaces: dict[str, pulumi.Resource] = {}
        for ns in namespaces:
            namespace = apply_object(f"{name}-{ns.name}", namespace_object(ns), k8s_opts(self, contract))
            policies = [
                apply_object(
                    f"{name}-{ns.name}-{policy['metadata']['name']}", policy, k8s_opts(self, contract, [namespace])
                )
                for policy in network_policies(ns, spec, contract.cloud)
            ]
            self.namespaces[ns.key] = namespace
            self.ready[ns.key] = [namespace, *policies]
        self.register_outputs({"namespaces": sorted(p.name for p in namespaces)})


def _resolve_facts(contract: CloudKernelContract) -> pulumi.Output[ClusterFacts]:
    """Resolve every Output the context needs into one plain `ClusterFacts`."""
    inputs: dict[str, Any] = {"cluster_name": contract.cluster_name}
    for key, db in contract.postgres.items():
        inputs[f"db/{key}/host"] = db.host
        inputs[f"db/{key}/port"] = db.port
        inputs[f"db/{key}/ref"] = db.admin_secret_ref
    for key, bucket in contract.lakehouse.items():
        inputs[f"lake/{key}"] = bucket.uri
    for key, identity in contract.identities.items():
        inputs[f"identity/{key}"] = identity.principal

    def build(values: dict[str, Any]) -> ClusterFacts:
        return ClusterFacts(
            cloud=contract.cloud,
            region=contract.region,
            cluster_name=values["cluster_name"],
            kubernetes_version=contract.kubernetes_version,
            storage_classes=dict(contract.storage_classes),
            default_storage_class=contract.default_storage_class,
            shared_storage_class=contract.shared_storage_class,
            node_pools=dict(contract.node_pools),
            databases={
                key: {
                    "host": values[f"db/{key}/host"],
                    "port": values[f"db/{key}/port"],
                    "engine_version": db.engine_version,
                    "admin_username": db.admin_username,
                    "admin_secret_ref": values[f"db/{key}/ref"],
                }
                for key, db in contract.postgres.items()
            },
            lakehouse={key: values[f"lake/{key}"] for key in contract.lakehouse},
            has_secret_store=contract.secret_store is not None,
            secret_name_separator=contract.secret_store.name_separator if contract.secret_store else "/",
            identities={
                key: {
                    "namespace": identity.namespace,
                    "service_account": identity.service_account,
                    "principal": values[f"identity/{key}"],
                }
                for key, identity in contract.identities.items()
            },
        )

    return pulumi.Output.all(**inputs).apply(build)


class CoreKernel(pulumi.ComponentResource):
    """The core kernel of one environment. `self.context` is what user space compiles against."""

    context: pulumi.Output[PlatformContext]

    def __init__(
        self,
        name: str,
        spec: CoreKernelSpec,
        contract: CloudKernelContract,
        environment: str,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:core:CoreKernel", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.scheduling = Scheduling(f"{name}-scheduling", contract, child)
        addons = cluster_addons(contract.cloud, [p.gpu for p in contract.node_pools.values()], dns_zone(spec))
        self.namespaces = Namespaces(f"{name}-namespaces", spec, contract, child, addons)
        ctx = BuildContext(
            spec=spec,
            contract=contract,
            environment=environment,
            namespace_ready=self.namespaces.ready,
            base_ready=[*contract.cluster_ready, *self.scheduling.priority_classes],
        )
        # The add-ons gate no release: none has a webhook that fails closed on what the services create (the
        # load balancer controller's Service webhook is off, `cluster_addons.py`), and a Service, an HPA or a GPU
        # pod made before its add-on runs is picked up once it does. Only the Gateway object waits for the load
        # balancer controller (`gateway.py`: its NLB must be deleted by the controller on destroy).
        self.addons = ClusterAddons(f"{name}-addons", ctx, addons, child)
        ctx.load_balancer_controller = self.addons.releases.get("loadBalancerController")
        self.services: dict[str, pulumi.ComponentResource] = {}
        if spec.monitoring.enabled:
            monitoring = Monitoring(f"{name}-monitoring", ctx, child)
            ctx.monitoring_release = monitoring.release
            self.services["monitoring"] = monitoring
        if spec.cert_manager.enabled:
            cert_manager = CertManager(f"{name}-cert-manager", ctx, child)
            ctx.cluster_issuer = cert_manager.cluster_issuer
            ctx.cert_manager_release = cert_manager.release
            self.services["certManager"] = cert_manager
        if spec.external_secrets.enabled:
            external_secrets = ExternalSecrets(f"{name}-external-secrets", ctx, child)
            ctx.secret_store = external_secrets.store
            ctx.external_secrets_release = external_secrets.release
            self.services["externalSecrets"] = external_secrets
        if spec.gateway.enabled:
            gateway = Gateway(f"{name}-gateway", ctx, child)
            ctx.gateway_release = gateway.release
            self.services["gateway"] = gateway
        if spec.workflows.enabled:
            self.services["workflows"] = Workflows(f"{name}-workflows", ctx, child)
        if spec.spark.enabled:
            self.services["spark"] = Spark(f"{name}-spark", ctx, child)
        if spec.catalog.enabled:
            self.services["catalog"] = Catalog(f"{name}-catalog", ctx, child)
        if spec.policy.enabled:
            self.services["policy"] = Policy(f"{name}-policy", ctx, child)
        if spec.runtime.enabled:
            self.services["runtime"] = Runtime(f"{name}-runtime", ctx, child, image=spec.runtime.image)

        self.context = _resolve_facts(contract).apply(lambda facts: build_context(spec, environment, facts))
        self.context_json: pulumi.Output[str] = self.context.apply(lambda c: c.to_json())
        self.context_configmap = apply_object(
            f"{name}-platform-context",
            context_configmap(self.context_json),
            k8s_opts(self, contract, self.namespaces.ready["platform"]),
        )
        self.register_outputs(
            {
                "context": self.context.apply(lambda c: c.to_dict()),
                "services": sorted(self.services),
            }
        )
