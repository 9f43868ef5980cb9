"""Pinned Helm charts (and the one image) of the core kernel. Change versions only here.

Versions match the CRDs vendored in `shared/schemas/crds/` (see its VERSIONS.md), so the custom resources
the core kernel and the user-space compiler write are validated against what the charts install.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chart:
    name: str  # chart name, or the full oci:// reference for OCI charts
    version: str
    repository: str | None  # classic Helm repository URL; None for OCI charts
    app_version: str

    @property
    def is_oci(self) -> bool:
        return self.name.startswith("oci://")


CHARTS: dict[str, Chart] = {
    # cert-manager v1.21.1 (CRDs cert-manager.io/v1). Chart versions carry the `v`.
    "certManager": Chart("cert-manager", "v1.21.1", "https://charts.jetstack.io", "v1.21.1"),
    # Envoy Gateway v1.9.0: OCI chart; installs Gateway API (standard) and gateway.envoyproxy.io CRDs.
    "gateway": Chart("oci://docker.io/envoyproxy/gateway-helm", "v1.9.0", None, "v1.9.0"),
    # External Secrets Operator v2.9.0 (external-secrets.io/v1).
    "externalSecrets": Chart("external-secrets", "2.9.0", "https://charts.external-secrets.io", "v2.9.0"),
    # kube-prometheus-stack 88.5.3 ships prometheus-operator v0.93.1 (same schemas as the vendored v0.93.0).
    # 89.x is not in any published source the chart values can be checked against (shared/charts/VERSIONS.md).
    "monitoring": Chart(
        "kube-prometheus-stack", "88.5.3", "https://prometheus-community.github.io/helm-charts", "v0.93.1"
    ),
    # Argo Workflows v4.0.6 from argo-helm chart argo-workflows-1.0.18.
    "workflows": Chart("argo-workflows", "1.0.18", "https://argoproj.github.io/argo-helm", "v4.0.6"),
    # Kubeflow Spark operator v2.5.2 (sparkoperator.k8s.io/v1beta2).
    "spark": Chart("spark-operator", "2.5.2", "https://kubeflow.github.io/spark-operator", "2.5.2"),
    # Lakekeeper, the Iceberg REST catalog (see core_kernel/services/catalog.py for the choice), with its
    # authorizer from the chart's `openfga` sub-chart 0.2.62 (OpenFGA v1.14.0).
    "catalog": Chart("lakekeeper", "0.10.1", "https://lakekeeper.github.io/lakekeeper-charts/", "0.12.0"),
    # Cluster add-ons (core_kernel/addons.py says which cloud needs which).
    "loadBalancerController": Chart(
        "aws-load-balancer-controller", "3.5.0", "https://aws.github.io/eks-charts", "v3.5.0"
    ),
    "nodeAutoscaler": Chart("cluster-autoscaler", "9.59.0", "https://kubernetes.github.io/autoscaler", "1.35.0"),
    "metricsServer": Chart("metrics-server", "3.13.1", "https://kubernetes-sigs.github.io/metrics-server/", "0.8.1"),
    "nvidiaDevicePlugin": Chart("nvidia-device-plugin", "0.20.0", "https://nvidia.github.io/k8s-device-plugin", "0.20.0"),
    "externalDns": Chart("external-dns", "1.21.1", "https://kubernetes-sigs.github.io/external-dns/", "0.21.0"),
}

# OPA and its kube-mgmt sidecar run from our own manifests (core_kernel/services/policy.py): the opa-kube-mgmt
# chart (9.3.0) cannot set a container security context, so Pod Security `restricted` refuses its pods.
# Pinned by digest where a published digest could be checked (kube-mgmt 9.3.0's could not: tag only).
OPA_IMAGE = "docker.io/openpolicyagent/opa:1.15.1@sha256:c3e940a236811f34a9bdf1b98e1a441db7f1ef81151a0bb4a9706467a11c8cd9"
KUBE_MGMT_IMAGE = "docker.io/openpolicyagent/kube-mgmt:9.3.0"
OPA_UID = 65532  # high, non-root; both images are static binaries that write nothing
OPA_DIAGNOSTIC_PORT = 8282  # /health and /metrics, plain HTTP, outside OPA's API authorization

# Client image of the catalog database bootstrap Job (psql 17 talks to servers 13 to 18).
POSTGRES_CLIENT_IMAGE = (
    "docker.io/library/postgres:17.6-alpine3.22@sha256:ef257d85f76e48da1c64832459b59fcaba1a4dac97bf5d7450c77753542eee94"
)
# A high UID outside the image's users (no clash with a host user); psql finds its home through HOME=/tmp.
POSTGRES_CLIENT_UID = 10070

# The Resource runtime's image, built from the repository's Dockerfile (user_space/runtime); bump with releases.
RUNTIME_IMAGE = "cloud-kernel-runtime:0.1.0"

# The catalog administrator Job (core_kernel/services/catalog_admin_script.py, standard library only): the same
# python 3.12.7-slim index digest the built-in python3 Stack pins (user_space/stacks/python3.yaml).
CATALOG_ADMIN_IMAGE = (
    "docker.io/library/python:3.12.7-slim@sha256:60d9996b6a8a3689d36db740b49f4327be3be09a21122bd02fb8895abb38b50d"
)
CATALOG_ADMIN_UID = 10071  # high, outside the image's users; the script writes nothing
