"""Fixed names of the core kernel's objects, shared by the Pulumi components and `PlatformContext`.

Pure constants and string helpers, no Pulumi import: user space compiles against the same names.
Names are stable on purpose: renaming one is a breaking change of the platform's public surface.
"""

from __future__ import annotations

from core_kernel.context import CATALOG_AUDIENCE as CATALOG_AUDIENCE
from core_kernel.context import CATALOG_PROJECT_NAMESPACE as CATALOG_PROJECT_NAMESPACE
from core_kernel.context import PLATFORM_NAMESPACE

# Platform service -> namespace. The keys are the service keys used everywhere in the core kernel.
NAMESPACES: dict[str, str] = {
    "platform": PLATFORM_NAMESPACE,
    "certManager": "cert-manager",
    "gateway": "envoy-gateway-system",
    "externalSecrets": "external-secrets",
    "monitoring": "monitoring",
    "workflows": "argo",
    "spark": "spark-operator",
    "catalog": "iceberg-catalog",
    "policy": "opa",
}

CLUSTER_ISSUER_NAME = "platform"
GATEWAY_CLASS_NAME = "envoy-gateway"
GATEWAY_NAME = "platform"
GATEWAY_HTTPS_LISTENER = "https"  # serves `<domain>`: workspace routes (DataOS paths under one FQDN)
GATEWAY_HOSTS_LISTENER = "https-hosts"  # serves `*.<domain>`: platform UIs on their own host names
GATEWAY_HTTP_LISTENER = "http"
GATEWAY_TLS_SECRET = "platform-gateway-tls"
SECRET_STORE_NAME = "cloud-secret-manager"

CATALOG_RELEASE = "lakekeeper"
CATALOG_SERVICE_ACCOUNT = "lakekeeper"
CATALOG_PORT = 8181
CATALOG_DATABASE = "iceberg_catalog"
CATALOG_DB_USER = "iceberg_catalog"
# Lakekeeper's authorizer: the chart's OpenFGA sub-chart in the catalog namespace, its own database and role.
OPENFGA_DATABASE = "openfga"
OPENFGA_DB_USER = "openfga"
OPENFGA_GRPC_PORT = 8081  # the endpoint the chart gives Lakekeeper (`openfga.grpc.addr`)
OPENFGA_METRICS_PORT = 2112  # `openfga.telemetry.metrics.addr`
# Selector labels of the pods of each (chart name, release name): the Lakekeeper catalog and migration pods,
# the OpenFGA pods of its sub-chart.
CATALOG_POD_LABELS: dict[str, str] = {"app.kubernetes.io/name": "lakekeeper"}
OPENFGA_POD_LABELS: dict[str, str] = {"app.kubernetes.io/name": "openfga", "app.kubernetes.io/instance": CATALOG_RELEASE}
# The platform's catalog administrator (Lakekeeper server admin by bootstrap) and the pods running as it.
CATALOG_ADMIN_SERVICE_ACCOUNT = "catalog-admin"
CATALOG_ADMIN_POD_LABELS: dict[str, str] = {"app.kubernetes.io/name": "iceberg-catalog-admin"}
# The service account of workspace runnables, the one granted a workspace's Lakekeeper project.
WORKSPACE_RUNNER_SERVICE_ACCOUNT = "dataos-runner"

# kube-prometheus-stack selects rules/monitors by the `release` label of its Helm release.
MONITORING_RELEASE = "kube-prometheus-stack"
MONITORING_SELECTOR_LABELS: dict[str, str] = {"release": MONITORING_RELEASE}

OPA_RELEASE = "opa"  # Deployment and Service `opa`, pod label `app: opa`
OPA_PORT = 8181  # container port (NetworkPolicies match it)
OPA_SERVICE_PORT = 443  # the Service serves HTTPS on 443 -> OPA_PORT
OPA_DATA_CONFIGMAP = "opa-platform-data"
# kube-mgmt loads ConfigMaps carrying these labels: data as JSON documents, policies as rego modules.
OPA_DATA_LABEL: dict[str, str] = {"openpolicyagent.org/data": "opa"}
OPA_POLICY_LABEL: dict[str, str] = {"openpolicyagent.org/policy": "rego"}


def catalog_endpoint() -> str:
    """In-cluster base URI of the Iceberg REST API served by Lakekeeper."""
    return f"http://{CATALOG_RELEASE}.{NAMESPACES['catalog']}.svc.cluster.local:{CATALOG_PORT}/catalog"


def opa_decision_url() -> str:
    return f"https://{OPA_RELEASE}.{NAMESPACES['policy']}.svc.cluster.local:{OPA_SERVICE_PORT}/v1/data"


def secrets_prefix(environment: str) -> str:
    """Secret names External Secrets may read in the cloud secret manager: `cloud-kernel/<env>/...`."""
    return f"cloud-kernel/{environment}/"
