"""Build the `PlatformContext` from the core spec and the resolved (plain) facts of the cloud contract.

Pure, no Pulumi import: `CoreKernel` resolves the contract's Outputs and calls `build_context`; tests call
it directly with plain values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core_kernel import naming
from core_kernel.context import (
    IDENTITY_ANNOTATION_KEYS,
    Catalog,
    Certificates,
    Database,
    Gateway,
    Identity,
    Monitoring,
    NodePool,
    PlatformContext,
    Policy,
    PriorityClasses,
    SecretStore,
    Spark,
    Storage,
    Taint,
    Workflows,
    Workspaces,
)
from core_kernel.namespaces import platform_namespaces
from core_kernel.scheduling import PRIORITY_CLASSES, workspace_limit_range_limits, workspace_resource_quota_hard
from core_kernel.specs import CoreKernelSpec


@dataclass(frozen=True)
class ClusterFacts:
    """The contract's facts once its Outputs are resolved."""

    cloud: str
    region: str
    cluster_name: str
    kubernetes_version: str
    storage_classes: Mapping[str, str]
    default_storage_class: str
    shared_storage_class: str | None
    node_pools: Mapping[str, Any]  # NodePoolFacts-like: name, machine, labels, taints, gpu, spot
    databases: Mapping[str, Mapping[str, Any]]  # key -> host, port, engine_version, admin_username, admin_secret_ref
    lakehouse: Mapping[str, str]  # bucket key -> URI
    has_secret_store: bool = True
    identities: Mapping[str, Mapping[str, str]] = ()  # name -> namespace, service_account, principal
    secret_name_separator: str = "/"  # how the cloud secret manager spells the `/` of secret paths


def build_context(spec: CoreKernelSpec, environment: str, facts: ClusterFacts) -> PlatformContext:
    ns = naming.NAMESPACES
    lakehouse = {key: facts.lakehouse[key] for key in sorted(facts.lakehouse)}
    pools = {
        key: NodePool(
            name=pool.name,
            machine=pool.machine,
            labels=dict(pool.labels),
            taints=[Taint(**dict(t)) for t in pool.taints],
            gpu=pool.gpu,
            spot=pool.spot,
        )
        for key, pool in sorted(facts.node_pools.items())
    }
    databases = {
        key: Database(
            host=db["host"],
            port=int(db["port"]),
            engine_version=db["engine_version"],
            admin_username=db["admin_username"],
            admin_secret_ref=db["admin_secret_ref"],
        )
        for key, db in sorted(facts.databases.items())
    }
    return PlatformContext(
        environment=environment,
        cloud=facts.cloud,
        region=facts.region,
        cluster_name=facts.cluster_name,
        kubernetes_version=facts.kubernetes_version,
        domain=spec.domain,
        namespaces={p.key: p.name for p in platform_namespaces(spec)},
        gateway=Gateway(
            name=naming.GATEWAY_NAME,
            namespace=ns["gateway"],
            class_name=naming.GATEWAY_CLASS_NAME,
            https_listener=naming.GATEWAY_HTTPS_LISTENER,
            hostname=spec.domain,
        )
        if spec.gateway.enabled
        else None,
        certificates=Certificates(cluster_issuer=naming.CLUSTER_ISSUER_NAME) if spec.cert_manager.enabled else None,
        storage=Storage(
            default_class=facts.default_storage_class,
            classes=dict(sorted(facts.storage_classes.items())),
            shared_class=facts.shared_storage_class,
        ),
        node_pools=pools,
        databases=databases,
        lakehouse=lakehouse,
        catalog=Catalog(
            endpoint=naming.catalog_endpoint(),
            namespace=ns["catalog"],
            service_account=naming.CATALOG_SERVICE_ACCOUNT,
            warehouses=lakehouse,
            database=spec.catalog.database,
        )
        if spec.catalog.enabled
        else None,
        secret_store=SecretStore(
            name=naming.SECRET_STORE_NAME,
            prefix=naming.secrets_prefix(environment).replace("/", facts.secret_name_separator),
            separator=facts.secret_name_separator,
        )
        if spec.external_secrets.enabled and facts.has_secret_store
        else None,
        monitoring=Monitoring(
            prometheus_namespace=ns["monitoring"],
            alertmanager_namespace=ns["monitoring"],
            selector_labels=dict(naming.MONITORING_SELECTOR_LABELS),
        )
        if spec.monitoring.enabled
        else None,
        workflows=Workflows(namespace=ns["workflows"]) if spec.workflows.enabled else None,
        spark=Spark(namespace=ns["spark"]) if spec.spark.enabled else None,
        policy=Policy(
            namespace=ns["policy"],
            data_configmap=naming.OPA_DATA_CONFIGMAP,
            data_label=dict(naming.OPA_DATA_LABEL),
            policy_label=dict(naming.OPA_POLICY_LABEL),
            decision_url=naming.opa_decision_url(),
        )
        if spec.policy.enabled
        else None,
        priority_classes=PriorityClasses(**PRIORITY_CLASSES),
        workspaces=Workspaces(
            resource_quota=workspace_resource_quota_hard(),
            limit_range=workspace_limit_range_limits(),
            priority_class=PRIORITY_CLASSES["workspace_default"],
            batch_priority_class=PRIORITY_CLASSES["batch"],
            identity_annotation_key=IDENTITY_ANNOTATION_KEYS[facts.cloud],
        ),
        identities={name: Identity(**dict(facts.identities[name])) for name in sorted(facts.identities or {})},
    )


def context_configmap(context_json: Any) -> dict[str, Any]:
    """The `platform-context` ConfigMap (data key `context.json`) in the platform namespace."""
    from core_kernel.context import CONTEXT_CONFIGMAP, CONTEXT_KEY, PLATFORM_NAMESPACE

    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": CONTEXT_CONFIGMAP,
            "namespace": PLATFORM_NAMESPACE,
            "labels": {"app.kubernetes.io/part-of": "cloud-kernel", "app.kubernetes.io/component": "platform-context"},
        },
        "data": {CONTEXT_KEY: context_json},
    }
