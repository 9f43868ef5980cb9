"""CoreKernel on Pulumi mocks against a fake CloudKernelContract."""

from __future__ import annotations

import json
from functools import lru_cache

import pytest

from core_kernel.addons import ADDON_NAMESPACES
from core_kernel.context import CONTEXT_CONFIGMAP, CONTEXT_KEY, PLATFORM_NAMESPACE, PlatformContext
from core_kernel.naming import NAMESPACES
from core_kernel.scheduling import PRIORITY_CLASSES
from core_kernel.specs import CoreKernelSpec
from core_kernel.versions import CHARTS
from tests.support.core_mocks import FAKE_ROLE, CoreBuild, build_core

RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PRIORITY = "kubernetes:scheduling.k8s.io/v1:PriorityClass"

# Service key -> component resource name prefix (children are named f"{prefix}-...").
PREFIX = {
    "certManager": "core-cert-manager",
    "externalSecrets": "core-external-secrets",
    "gateway": "core-gateway",
    "monitoring": "core-monitoring",
    "workflows": "core-workflows",
    "spark": "core-spark",
    "catalog": "core-catalog",
    "policy": "core-policy",
}
SWITCH = {
    "certManager": "certManager",
    "externalSecrets": "externalSecrets",
    "gateway": "gateway",
    "monitoring": "monitoring",
    "workflows": "workflows",
    "spark": "spark",
    "catalog": "catalog",
    "policy": "policy",
}


def spec(**overrides) -> CoreKernelSpec:
    return CoreKernelSpec.model_validate({"domain": "dev.data.example.com", **overrides})


@lru_cache(maxsize=None)
def _build(environment: str, overrides: str = "{}") -> CoreBuild:
    return build_core(spec(**json.loads(overrides)), environment)


def build(environment: str = "dev", **overrides) -> CoreBuild:
    return _build(environment, json.dumps(overrides, sort_keys=True))


def test_component_type_tokens():
    result = build()
    types = {r.type for r in result.resources}
    for token in [
        "cloud-kernel:core:CoreKernel",
        "cloud-kernel:core:Scheduling",
        "cloud-kernel:core:Namespaces",
        "cloud-kernel:core:CertManager",
        "cloud-kernel:core:Gateway",
        "cloud-kernel:core:ExternalSecrets",
        "cloud-kernel:core:Monitoring",
        "cloud-kernel:core:Workflows",
        "cloud-kernel:core:Spark",
        "cloud-kernel:core:Catalog",
        "cloud-kernel:core:Policy",
    ]:
        assert token in types
    kernel = result.named("core")
    for r in result.resources:
        if r.type.startswith("cloud-kernel:core:") and r.name != "core":
            assert r.parent == kernel.urn, r.name


def test_every_kubernetes_resource_uses_the_contract_provider():
    result = build()
    for r in result.resources:
        if r.custom and r.type.startswith("kubernetes:"):
            assert r.parent, r.name


def test_namespaces_have_psa_labels_and_default_deny():
    result = build(monitoring={"nodeExporter": True})
    namespaces = {r.inputs["metadata"]["name"]: r.inputs["metadata"] for r in result.by_type(NAMESPACE)}
    # No gateway.dnsZone here: every add-on but external-dns.
    addons = set(ADDON_NAMESPACES.values()) - {"external-dns"}
    assert set(namespaces) == set(NAMESPACES.values()) | addons | {"monitoring-node-exporter"}
    for name, meta in namespaces.items():
        labels = meta["labels"]
        level = labels["pod-security.kubernetes.io/enforce"]
        if name in ("monitoring-node-exporter", "nvidia-device-plugin"):
            assert level == "privileged" and meta["annotations"]["cloud-kernel.io/pod-security-reason"]
        else:
            assert level == "restricted", name
        assert labels["pod-security.kubernetes.io/audit"] == "restricted"
        assert labels["pod-security.kubernetes.io/warn"] == "restricted"
    policies = [r.inputs for r in result.by_type(NETPOL)]
    for name in namespaces:
        deny = [p for p in policies if p["metadata"]["namespace"] == name and p["metadata"]["name"] == "default-deny"]
        assert len(deny) == 1, name
        assert deny[0]["spec"]["podSelector"] == {}
        assert deny[0]["spec"]["policyTypes"] == ["Ingress", "Egress"]
        assert deny[0]["spec"]["ingress"] == [] and deny[0]["spec"]["egress"] == []
        assert any(p["metadata"]["namespace"] == name and p["metadata"]["name"] == "allow-dns" for p in policies)


def test_services_wait_for_their_namespace_policies():
    result = build()
    release = next(r for r in result.by_type(RELEASE) if r.inputs["name"] == "lakekeeper")
    deny = next(
        r for r in result.by_type(NETPOL)
        if r.inputs["metadata"] == {**r.inputs["metadata"], "name": "default-deny", "namespace": "iceberg-catalog"}
    )
    assert deny.urn in release.dependencies


def test_priority_classes():
    result = build()
    classes = {r.inputs["metadata"]["name"]: r.inputs for r in result.by_type(PRIORITY)}
    assert set(classes) == set(PRIORITY_CLASSES.values())
    assert classes["platform-critical"]["value"] > classes["workspace-default"]["value"] > classes["batch"]["value"]
    assert [n for n, c in classes.items() if c["globalDefault"]] == ["workspace-default"]
    assert classes["batch"]["preemptionPolicy"] == "Never"


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_one_release_per_service_with_pinned_chart(environment):
    result = build(environment, gateway={"dnsZone": "Z0123456789ABC"})  # with a zone: external-dns too
    releases = {r.inputs["namespace"]: r.inputs for r in result.by_type(RELEASE)}
    assert len(result.by_type(RELEASE)) == len(CHARTS)  # the fake AWS contract has a GPU pool: every add-on
    for key, chart in CHARTS.items():
        release = releases[{**NAMESPACES, **ADDON_NAMESPACES}[key]]
        assert release["chart"] == chart.name
        assert release["version"] == chart.version
        if chart.is_oci:
            assert "repositoryOpts" not in release
        else:
            assert release["repositoryOpts"]["repo"] == chart.repository
        assert release["createNamespace"] is False
        assert release["name"]  # fixed release name: no random suffix


def test_prod_runs_two_replicas_with_disruption_budgets():
    dev = {r.inputs["name"]: r.inputs["values"] for r in build("dev").by_type(RELEASE)}
    prod = {r.inputs["name"]: r.inputs["values"] for r in build("prod").by_type(RELEASE)}
    assert prod["cert-manager"]["replicaCount"] == 2 and dev["cert-manager"]["replicaCount"] == 1
    assert prod["cert-manager"]["podDisruptionBudget"]["enabled"] is True
    assert dev["cert-manager"]["podDisruptionBudget"]["enabled"] is False
    assert prod["external-secrets"]["webhook"]["replicaCount"] == 2
    assert prod["kube-prometheus-stack"]["prometheus"]["prometheusSpec"]["replicas"] == 2
    assert prod["argo-workflows"]["controller"]["pdb"]["enabled"] is True
    assert prod["lakekeeper"]["catalog"]["replicas"] == 2
    opa = {o["kind"]: o for o in build("prod").kubernetes_objects() if o["metadata"].get("namespace") == "opa"}
    assert opa["Deployment"]["spec"]["replicas"] == 2 and opa["PodDisruptionBudget"]["spec"]["minAvailable"] == 1
    assert prod["envoy-gateway"]["deployment"]["replicas"] == 2
    assert prod["envoy-gateway"]["podDisruptionBudget"] == {"minAvailable": 1}
    envoy_proxy = next(o for o in build("prod").kubernetes_objects() if o["kind"] == "EnvoyProxy")
    assert envoy_proxy["spec"]["provider"]["kubernetes"]["envoyPDB"] == {"minAvailable": 1}


def _switch_off(key: str) -> dict:
    off = {SWITCH[key]: {"enabled": False}}
    if key == "gateway":
        off["workflows"] = {"exposeUi": False}
    return off


def _base_for(key: str) -> dict:
    # Dependents that the switch would otherwise refuse are off in both builds.
    if key == "gateway":
        return {"workflows": {"exposeUi": False}}
    if key == "externalSecrets":
        return {"catalog": {"enabled": False}}
    if key == "certManager":
        return {"gateway": {"enabled": False}, "workflows": {"exposeUi": False}, "policy": {"enabled": False}}
    return {}


@pytest.mark.parametrize("key", sorted(PREFIX))
def test_switching_a_service_off_removes_it_and_nothing_else(key):
    base_overrides = _base_for(key)
    off_overrides = {**base_overrides, **_switch_off(key)}
    base, off = build(**base_overrides), build(**off_overrides)
    removed = base.names() - off.names()
    assert removed, "switching off must remove resources"
    assert off.names() <= base.names(), "switching off must not add resources"
    namespace = NAMESPACES[key]
    for name in removed:
        # Prometheus' scrape allowances in other namespaces belong to monitoring.
        # So are the ServiceMonitors other services write themselves.
        owned_elsewhere = key == "monitoring" and (name.endswith("-allow-prometheus-scrape") or "-servicemonitor-" in name)
        assert name.startswith(PREFIX[key]) or name.startswith(f"core-namespaces-{namespace}") or owned_elsewhere, name
    assert f"core-namespaces-{namespace}" in removed
    assert not [r for r in off.by_type(RELEASE) if r.inputs["namespace"] == namespace]
    # The platform context no longer offers the service.
    field = {"certManager": "certificates", "externalSecrets": "secret_store", "monitoring": "monitoring",
             "workflows": "workflows", "spark": "spark", "catalog": "catalog", "policy": "policy",
             "gateway": "gateway"}[key]
    assert getattr(base.context, field) is not None and getattr(off.context, field) is None


def test_custom_resources_depend_on_the_release_that_installs_their_crds():
    result = build()
    releases = {r.inputs["name"]: r.urn for r in result.by_type(RELEASE)}
    owner = {
        "cert-manager.io": "cert-manager",
        "gateway.networking.k8s.io": "envoy-gateway",
        "gateway.envoyproxy.io": "envoy-gateway",
        "external-secrets.io": "external-secrets",
    }
    customs = [r for r in result.resources if r.custom and r.type.split(":")[1].split("/")[0] in owner]
    assert len(customs) >= 8
    for r in customs:
        group = r.type.split(":")[1].split("/")[0]
        assert releases[owner[group]] in r.dependencies, r.name
    certificate = result.named("core-gateway-certificate-platform-gateway-tls")
    issuer = result.named("core-cert-manager-clusterissuer-platform")
    assert issuer.urn in certificate.dependencies


def test_workload_identity_on_service_accounts():
    values = {r.inputs["name"]: r.inputs["values"] for r in build().by_type(RELEASE)}
    assert values["external-secrets"]["serviceAccount"] == {
        "create": True,
        "name": "external-secrets",
        "annotations": {"eks.amazonaws.com/role-arn": FAKE_ROLE.format(name="external-secrets")},
    }
    assert values["lakekeeper"]["serviceAccount"]["annotations"] == {
        "eks.amazonaws.com/role-arn": FAKE_ROLE.format(name="iceberg-catalog")
    }
    assert values["lakekeeper"]["postgresql"]["enabled"] is False
    assert values["lakekeeper"]["externalDatabase"]["passwordSecret"] == "iceberg-catalog-db"


def test_cluster_secret_store_uses_the_contract_provider_block():
    store = next(o for o in build().kubernetes_objects() if o["kind"] == "ClusterSecretStore")
    assert store["spec"]["provider"]["aws"]["service"] == "SecretsManager"
    assert store["metadata"]["name"] == "cloud-secret-manager"


def test_no_secret_store_in_the_contract_means_no_store():
    result = build_core(spec(catalog={"enabled": False}), "dev", secret_store=False)
    assert not [r for r in result.resources if r.type.endswith(":ClusterSecretStore")]
    assert result.context.secret_store is None


def test_catalog_needs_a_known_postgres_instance():
    with pytest.raises(Exception, match="no postgres instance 'analytics'"):
        build_core(spec(catalog={"database": "analytics"}), "dev")


def test_platform_context_is_published_and_matches_the_component_output():
    result = build("prod")
    (cm,) = [
        o for o in result.kubernetes_objects()
        if o["kind"] == "ConfigMap" and o["metadata"]["name"] == CONTEXT_CONFIGMAP
    ]
    assert cm["metadata"]["namespace"] == PLATFORM_NAMESPACE
    published = PlatformContext.from_json(cm["data"][CONTEXT_KEY])
    assert published == result.context
    ctx = result.context
    assert ctx.environment == "prod" and ctx.cloud == "aws" and ctx.cluster_name == "ck-prod"
    assert ctx.databases["platform"].port == 5432
    assert ctx.catalog.warehouses == {"curated": "s3://ck-prod-curated", "raw": "s3://ck-prod-raw"}
    assert ctx.gateway.hostname == "dev.data.example.com"
    assert ctx.node_pools["gpu"].tolerations()[0]["key"] == "nvidia.com/gpu"
    assert ctx.storage.shared_class == "shared"
    assert ctx.workspaces.identity_annotation_key == "eks.amazonaws.com/role-arn"


def test_deterministic():
    a = build_core(spec(), "dev")
    b = build_core(spec(), "dev")
    assert sorted((r.urn, json.dumps(r.inputs, sort_keys=True)) for r in a.resources) == sorted(
        (r.urn, json.dumps(r.inputs, sort_keys=True)) for r in b.resources
    )


def test_acme_issuer_and_certificate_hosts():
    result = build(certManager={"clusterIssuer": {"acme": {"email": "ops@example.com"}}}, gateway={"public": True})
    objects = result.kubernetes_objects()
    issuer = next(o for o in objects if o["kind"] == "ClusterIssuer" and o["metadata"]["name"] == "platform")
    solver = issuer["spec"]["acme"]["solvers"][0]["http01"]["gatewayHTTPRoute"]["parentRefs"][0]
    assert solver["name"] == "platform" and solver["sectionName"] == "http"
    certificate = next(o for o in objects if o["kind"] == "Certificate" and o["metadata"]["name"] == "platform-gateway-tls")
    assert "*.dev.data.example.com" not in certificate["spec"]["dnsNames"]
    assert "argo.dev.data.example.com" in certificate["spec"]["dnsNames"]


@pytest.mark.parametrize("issuer", [{}, {"acme": {"email": "ops@example.com"}}])
def test_in_cluster_certificates_come_from_a_private_ca(issuer):
    """A public ACME CA never signs `<svc>.<ns>.svc` names: OPA's certificate uses a private CA issuer."""
    overrides = {"certManager": {"clusterIssuer": issuer}, "gateway": {"public": True}} if issuer else {}
    objects = build(**overrides).kubernetes_objects()
    issuers = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ClusterIssuer"}
    (opa_tls,) = [o for o in objects if o["kind"] == "Certificate" and o["metadata"]["namespace"] == "opa"]
    used = issuers[opa_tls["spec"]["issuerRef"]["name"]]
    assert "ca" in used["spec"], used
    assert "opa.opa.svc.cluster.local" in opa_tls["spec"]["dnsNames"]


def test_opa_decision_url_reaches_a_restricted_opa_that_allows_decisions():
    """The published URL names the Service port that forwards to OPA's HTTPS port; its API authorization lets
    decision clients read the platform policy package; every container has a restricted security context."""
    from urllib.parse import urlparse

    from core_kernel.services.policy import AUTHZ_POLICY, BASE_POLICY

    result = build()
    objects = {(o["kind"], o["metadata"]["name"]): o for o in result.kubernetes_objects() if o["metadata"].get("namespace") == "opa"}
    url = urlparse(result.context.policy.decision_url)
    service = objects[("Service", url.hostname.split(".")[0])]
    (port,) = [p for p in service["spec"]["ports"] if p["port"] == url.port]
    pod = objects[("Deployment", "opa")]["spec"]["template"]["spec"]
    container_ports = {p["name"]: p["containerPort"] for c in pod["containers"] for p in c.get("ports", [])}
    assert url.scheme == "https" and container_ports[port["targetPort"]] == 8181
    package = BASE_POLICY.split("\n", 1)[0].removeprefix("package ").split(".")[0]
    assert f'input.path[2] == "{package}"' in AUTHZ_POLICY
    for container in pod["containers"]:
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False and context["capabilities"] == {"drop": ["ALL"]}, container["name"]


def test_lakekeeper_migrates_before_it_serves_and_authenticates_callers():
    values = {r.inputs["name"]: r.inputs["values"] for r in build().by_type(RELEASE)}["lakekeeper"]
    # helmWait: the migration is a Job the release waits for, not a post-install hook waiting for the pods.
    assert values["helmWait"] is True
    assert values["auth"] == {"k8s": {"enabled": True}}
    assert values["catalog"]["priorityClassName"] == "platform-critical"


def test_cert_manager_components_get_the_priority_class_through_global():
    values = {r.inputs["name"]: r.inputs["values"] for r in build().by_type(RELEASE)}["cert-manager"]
    assert values["global"]["priorityClassName"] == "platform-critical"
    assert "priorityClassName" not in values  # refused by the chart's strict schema


@pytest.mark.parametrize(("cloud", "hidden"), [("aws", True), ("gcp", True), ("azure", True), ("local", False)])
def test_managed_control_planes_are_not_scraped(cloud, hidden):
    """EKS, GKE and AKS keep controller-manager, scheduler and etcd out of the cluster's reach (and bind
    kube-proxy's metrics to localhost): scraping them would only ever raise `...Down` alerts."""
    from core_kernel.services.monitoring import values as monitoring_values

    values = monitoring_values(spec(), 1, False, "standard", cloud)
    for component in ("kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"):
        assert (values.get(component) == {"enabled": False}) is hidden, component
    rules = values["defaultRules"].get("rules", {})
    assert all(rules.get(r) is False for r in ("etcd", "kubeControllerManager", "kubeSchedulerAlerting", "kubeProxy")) is hidden
