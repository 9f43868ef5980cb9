"""`PlatformContext`: the plain facts user space compiles against.

The core kernel resolves the cloud kernel's Outputs and its own choices (namespaces, gateway, catalog, ...)
into this one frozen, JSON-safe object and publishes it in the cluster as the ConfigMap
`platform-context` (namespace `PLATFORM_NAMESPACE`, data key `context.json`). The user-space compiler,
the runtime operator and `kernelctl render` read it back with `PlatformContext.from_dict`.

This module imports no Pulumi module (a layer rule, enforced by a test): the operator and the CLI reuse it.

Conventions:
- every model is frozen and rejects unknown keys, so a context written by a newer kernel fails loudly;
- `to_dict()` gives JSON-safe values with keys in a stable order; `to_json()` is byte-identical for equal
  contexts (sorted keys), so publishing it never causes churn;
- a service that is switched off in `cloud-kernel:core` appears as `None` (catalog, secret store, ...),
  so the compiler can say "Lakehouse needs the catalog, which is off in this environment".
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

# Where the context itself lives in the cluster.
PLATFORM_NAMESPACE = "cloud-kernel-system"
# Catalog callers present a projected service-account token for this audience (Lakekeeper `auth.k8s.audience`).
CATALOG_AUDIENCE = "cloud-kernel-iceberg-catalog"
# UUIDv5 namespace of workspace project ids in the catalog: the platform creates, user space addresses the same id.
CATALOG_PROJECT_NAMESPACE = "6f0c5a8e-3b7d-5c1e-9a4f-2d8e7b1c0a93"
# Projected tokens live this long, the shortest Kubernetes issues; the kubelet rotates the file before it expires.
TOKEN_SECONDS = 600
CONTEXT_CONFIGMAP = "platform-context"
CONTEXT_KEY = "context.json"

# The annotation that binds a Kubernetes service account to a cloud identity, per cloud.
IDENTITY_ANNOTATION_KEYS: dict[str, str] = {
    "aws": "eks.amazonaws.com/role-arn",
    "gcp": "iam.gke.io/gcp-service-account",
    "azure": "azure.workload.identity/client-id",
    # An existing cluster has no cloud IAM: the service account is the identity; the annotation only records it.
    "local": "cloud-kernel.io/identity",
}
# Pod labels a cloud's workload identity needs on pods running as an identity's service account (AKS: the
# webhook projects the federated token only into pods that opt in).
IDENTITY_POD_LABELS: dict[str, dict[str, str]] = {"azure": {"azure.workload.identity/use": "true"}}

# Where pods fetch their workload identity's credentials, per cloud, when that is not over HTTPS (which
# every namespace with a cloud identity may already reach): the GKE metadata server, on Dataplane V2
# (169.254.169.254:80) and as the node-local endpoint older GKE versions use (169.254.169.252:988).
WORKLOAD_IDENTITY_ENDPOINTS: dict[str, list[tuple[str, int]]] = {
    "gcp": [("169.254.169.254/32", 80), ("169.254.169.252/32", 988)],
}


def workload_identity_egress(cloud: str) -> list[dict[str, Any]]:
    """NetworkPolicy egress rules to the cloud's workload-identity endpoints (none where HTTPS suffices)."""
    return [
        {"to": [{"ipBlock": {"cidr": cidr}}], "ports": [{"protocol": "TCP", "port": port}]}
        for cidr, port in WORKLOAD_IDENTITY_ENDPOINTS.get(cloud, [])
    ]


class Fact(BaseModel):
    """Base of every context model: frozen, strict about keys, snake_case keys in JSON."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Taint(Fact):
    key: str
    value: str = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] = "NoSchedule"


class NodePool(Fact):
    """A Compute node pool: how to land a pod on it."""

    name: str
    machine: str
    labels: dict[str, str] = Field(default_factory=dict)
    taints: list[Taint] = Field(default_factory=list)
    gpu: bool = False
    spot: bool = False

    def node_selector(self) -> dict[str, str]:
        return dict(sorted(self.labels.items()))

    def tolerations(self) -> list[dict[str, str]]:
        """Tolerations that let a pod onto this pool (one per taint, `Equal` when the taint has a value)."""
        return tolerations_for([taint.model_dump() for taint in self.taints])


def tolerations_for(taints: list[dict[str, str]]) -> list[dict[str, str]]:
    """One toleration per taint (`key`, `value`, `effect`): `Equal` when the taint has a value, else `Exists`."""
    result = []
    for taint in taints:
        toleration = {"key": taint["key"], "effect": taint["effect"]}
        if taint.get("value"):
            toleration.update(operator="Equal", value=taint["value"])
        else:
            toleration["operator"] = "Exists"
        result.append(toleration)
    return result


class Storage(Fact):
    """Volume storage classes: the default one, each configured class by key, the shared (RWX) one."""

    default_class: str
    classes: dict[str, str] = Field(default_factory=dict)  # volume class key -> StorageClass name
    shared_class: str | None = None  # ReadWriteMany, when a `shared` tier class exists


class Authentication(Fact):
    """The identity provider the gateway checks JWTs against (Envoy Gateway SecurityPolicy `jwt`)."""

    issuer: str
    jwks_uri: str
    audiences: list[str]
    tags_claim: str = "groups"  # the claim holding the caller's tags, which Policy subjects match


class Gateway(Fact):
    """The platform's Gateway API entry point; HTTPRoutes attach to it with `parentRefs`."""

    name: str
    namespace: str
    class_name: str
    https_listener: str  # sectionName of the TLS listener workspace routes attach to
    hostname: str  # that listener's hostname: "<domain>" (routes use `<domain>/<path>`)
    # Labels a namespace needs for its HTTPRoutes to attach to the HTTPS listener.
    route_namespace_labels: dict[str, str] = Field(default_factory=lambda: {"cloud-kernel.io/gateway-access": "true"})
    # Labels of the Envoy proxy pods: a workspace's NetworkPolicy allows ingress from these.
    proxy_pod_labels: dict[str, str] = Field(
        default_factory=lambda: {"app.kubernetes.io/component": "proxy", "app.kubernetes.io/managed-by": "envoy-gateway"}
    )
    authentication: Authentication | None = None  # None: routes must say `noAuthentication: true`


class Database(Fact):
    """A platform Postgres instance: where to connect, and where its admin credential lives."""

    host: str
    port: int
    engine_version: str
    admin_username: str
    admin_secret_ref: str  # ARN / secret id / Key Vault URI in the cloud secret manager


class Catalog(Fact):
    """The Iceberg REST catalog (Lakekeeper)."""

    endpoint: str  # in-cluster base URI of the Iceberg REST API, e.g. http://.../catalog
    namespace: str
    service_account: str
    warehouses: dict[str, str] = Field(default_factory=dict)  # lakehouse bucket key -> storage URI
    database: str  # key of the Postgres instance holding the catalog's metadata
    audience: str = CATALOG_AUDIENCE  # of the projected token a caller presents
    project_namespace: str = CATALOG_PROJECT_NAMESPACE

    def project_id(self, workspace: str) -> str:
        """The Lakekeeper project of a workspace (header `x-project-id`), created by the platform's catalog admin."""
        return str(uuid.uuid5(uuid.UUID(self.project_namespace), workspace))


def catalog_server(endpoint: str) -> str:
    """The Lakekeeper server's base URI (its management API sits beside the REST catalog) of a catalog
    `endpoint` (`<server>/catalog`)."""
    return endpoint.rsplit("/catalog", 1)[0]


def catalog_token_volume(audience: str = CATALOG_AUDIENCE) -> dict[str, Any]:
    """The volume `catalog-token` holding a pod's short-lived service-account token for the catalog's audience
    (file `token`): how the platform's catalog admin and user-space Jobs authenticate to Lakekeeper."""
    return {"name": "catalog-token", "projected": {"defaultMode": 0o440, "sources": [
        {"serviceAccountToken": {"audience": audience, "expirationSeconds": TOKEN_SECONDS, "path": "token"}}]}}


class SecretStore(Fact):
    """The External Secrets store that reaches the cloud secret manager."""

    name: str
    kind: Literal["ClusterSecretStore"] = "ClusterSecretStore"
    prefix: str = ""  # secret names readable through the store start with this
    separator: str = "/"  # the cloud's spelling of `/` in secret names (GCP Secret Manager: `_`)

    def key(self, path: str) -> str:
        """The cloud secret name of `path` (`workspaces/<ws>/...`) under the store's prefix."""
        return self.prefix + path.replace("/", self.separator)


class Certificates(Fact):
    cluster_issuer: str


class Monitoring(Fact):
    """kube-prometheus-stack: PrometheusRule / ServiceMonitor / AlertmanagerConfig land here."""

    prometheus_namespace: str
    alertmanager_namespace: str
    # Labels a PrometheusRule/ServiceMonitor/PodMonitor/AlertmanagerConfig needs to be picked up.
    selector_labels: dict[str, str] = Field(default_factory=dict)
    prometheus_service_account: str = "kube-prometheus-stack-prometheus"


class Workflows(Fact):
    """Argo Workflows: the engine of the Workflow Resource."""

    namespace: str  # where the controller runs
    controller_instance_id: str = ""  # "" = the controller watches every namespace


class Spark(Fact):
    """The Kubeflow Spark operator: SparkApplications in workspaces are reconciled by it."""

    namespace: str
    spark_service_account: str = "spark"


class Policy(Fact):
    """OPA, the policy decision point; user space writes Policy/Grant data into `data_configmap`."""

    namespace: str
    data_configmap: str
    data_key: str = "grants.json"  # key of the data ConfigMap holding Policy/Grant documents
    data_label: dict[str, str] = Field(default_factory=dict)  # labels kube-mgmt loads data ConfigMaps by
    policy_label: dict[str, str] = Field(default_factory=dict)  # labels kube-mgmt loads rego ConfigMaps by
    decision_url: str  # base URL of the OPA data API


class Workspaces(Fact):
    """What every workspace namespace gets: quota, limits, priority and identity conventions."""

    resource_quota: dict[str, str]  # ResourceQuota spec.hard
    limit_range: list[dict[str, Any]]  # LimitRange spec.limits
    priority_class: str
    batch_priority_class: str
    identity_annotation_key: str
    identity_pod_labels: dict[str, str] = Field(default_factory=dict)  # IDENTITY_POD_LABELS of the cloud
    pod_security: Literal["restricted", "baseline"] = "restricted"
    # Labels every workspace namespace carries: platform services (catalog, OPA) allow ingress from them.
    namespace_labels: dict[str, str] = Field(default_factory=lambda: {"cloud-kernel.io/workspace": "true"})


class Identity(Fact):
    """A cloud workload identity bound to one service account (IRSA role, GCP SA, Azure UAMI)."""

    namespace: str
    service_account: str
    principal: str  # the value of `workspaces.identity_annotation_key` on that service account


class PriorityClasses(Fact):
    platform_critical: str
    workspace_default: str
    batch: str


class PlatformContext(Fact):
    """Everything user space may know about the platform in one environment."""

    schema_version: int = SCHEMA_VERSION
    environment: Literal["dev", "staging", "prod"]
    cloud: Literal["aws", "gcp", "azure", "local"]
    region: str
    cluster_name: str
    kubernetes_version: str
    domain: str
    platform_namespace: str = PLATFORM_NAMESPACE
    namespaces: dict[str, str] = Field(default_factory=dict)  # platform service -> namespace
    gateway: Gateway | None = None
    certificates: Certificates | None = None
    storage: Storage
    node_pools: dict[str, NodePool] = Field(default_factory=dict)
    databases: dict[str, Database] = Field(default_factory=dict)
    lakehouse: dict[str, str] = Field(default_factory=dict)  # bucket key -> storage URI
    catalog: Catalog | None = None
    secret_store: SecretStore | None = None
    monitoring: Monitoring | None = None
    workflows: Workflows | None = None
    spark: Spark | None = None
    policy: Policy | None = None
    priority_classes: PriorityClasses
    workspaces: Workspaces
    # Every workload identity the cloud kernel created, by request name (core services and workspaces).
    identities: dict[str, Identity] = Field(default_factory=dict)

    def identity_for(self, namespace: str, service_account: str) -> Identity | None:
        """The identity bound to this service account, if the cloud kernel created one."""
        for identity in self.identities.values():
            if (identity.namespace, identity.service_account) == (namespace, service_account):
                return identity
        return None

    # ----- serialisation ----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict with every mapping's keys sorted (deterministic)."""
        return _sorted(self.model_dump(mode="json"))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, separators=(",", ": ")) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlatformContext:
        version = data.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise ValueError(f"platform context schema_version {version} is not supported (expected {SCHEMA_VERSION})")
        return cls.model_validate(data)

    @classmethod
    def from_json(cls, text: str) -> PlatformContext:
        return cls.from_dict(json.loads(text))

    # ----- helpers the compiler uses ----------------------------------------------------------------------
    def node_pool(self, name: str) -> NodePool:
        try:
            return self.node_pools[name]
        except KeyError:
            known = ", ".join(sorted(self.node_pools)) or "none"
            raise KeyError(f"no node pool {name!r} in this environment (known: {known})") from None

    def storage_class(self, key: str | None = None) -> str:
        """StorageClass name for a volume class key; the default class when `key` is None."""
        if key is None:
            return self.storage.default_class
        if key in self.storage.classes:
            return self.storage.classes[key]
        known = ", ".join(sorted(self.storage.classes)) or "none"
        raise KeyError(f"no volume class {key!r} in this environment (known: {known})")

    def host(self, subdomain: str) -> str:
        """Public host name of a service exposed through the platform gateway."""
        return f"{subdomain}.{self.domain}"

    # ----- sample ----------------------------------------------------------------------------------------
    @classmethod
    def sample(cls, environment: Literal["dev", "staging", "prod"] = "dev") -> PlatformContext:
        """A realistic context for an AWS stack in eu-west-1, with every core service on.

        `kernelctl render` uses it to compile manifests without a stack or a cloud; the compiler's golden
        tests use it too, so change it only on purpose (the goldens will show the diff). It is exactly what
        `CoreKernel` publishes (`platform.build_context`) for these cloud facts: node pools
        `system`, `general` and a tainted `gpu` pool, volume classes `standard` (default), `fast` and
        `shared` (RWX), lakehouse buckets `raw` and `curated`, one Postgres instance `platform`.
        """
        # Local imports: platform builds contexts from this module's models.
        from core_kernel.platform import build_context
        from core_kernel.specs import CoreKernelSpec

        domain = f"{environment}.data.example.com"
        authentication = {"issuer": f"https://id.{domain}/realms/data", "audiences": ["cloud-kernel"],
                          "jwks_uri": f"https://id.{domain}/realms/data/protocol/openid-connect/certs"}
        spec = CoreKernelSpec.model_validate({"domain": domain, "gateway": {"authentication": authentication}})
        return build_context(spec, environment, sample_facts(environment))


def sample_facts(environment: str = "dev") -> Any:
    """The cloud facts behind `PlatformContext.sample` (a `platform.ClusterFacts`): what an AWS dev cluster in
    eu-west-1 reports. `kernelctl config validate` builds a stack's context from them and its `cloud-kernel:core`."""
    from core_kernel.platform import ClusterFacts

    account = "123456789012"
    cluster = f"cloud-kernel-{environment}"
    buckets = {"curated": f"s3://{cluster}-curated-{account}", "raw": f"s3://{cluster}-raw-{account}"}
    facts = ClusterFacts(
        cloud="aws",
        region="eu-west-1",
        cluster_name=cluster,
        kubernetes_version="1.33",
        storage_classes={"standard": "standard", "fast": "fast", "shared": "shared"},
        default_storage_class="standard",
        shared_storage_class="shared",
        node_pools={
            "system": NodePool(
                name="system",
                machine="general-medium",
                labels={"cloud-kernel.io/pool": "system"},
                taints=[Taint(key="cloud-kernel.io/system", value="true", effect="NoSchedule")],
            ),
            "general": NodePool(name="general", machine="general-large", labels={"cloud-kernel.io/pool": "general"}),
            "gpu": NodePool(
                name="gpu",
                machine="general-xlarge",
                labels={"cloud-kernel.io/pool": "gpu"},
                taints=[Taint(key="nvidia.com/gpu", value="present", effect="NoSchedule")],
                gpu=True,
            ),
        },
        databases={
            "platform": {
                "host": f"{cluster}-platform.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com",
                "port": 5432,
                "engine_version": "16",
                "admin_username": "kernel_admin",
                "admin_secret_ref": f"arn:aws:secretsmanager:eu-west-1:{account}:secret:{cluster}/postgres/platform-AbCdEf",
            }
        },
        lakehouse=buckets,
        # The runner identities the cloud kernel creates for workspaces (`ws-<workspace>`), as on AWS.
        identities={
            f"ws-{workspace}": {
                "namespace": workspace,
                "service_account": "dataos-runner",
                "principal": f"arn:aws:iam::{account}:role/{cluster}-ws-{workspace}",
            }
            for workspace in ("public", "retail", "sandbox")
        },
    )
    return facts

def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value
