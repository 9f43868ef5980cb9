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
from tests.support.core_mocks import FAKE_ROLE, CoreBuild, build_core, plain

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
        # So are the ServiceMonitors and PodMonitors other services write themselves.
        owned_elsewhere = key == "monitoring" and (
            name.endswith("-allow-prometheus-scrape") or "-servicemonitor-" in name or "-podmonitor-" in name)
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
    # Only projected tokens for the catalog's own audience: the TokenReview refuses any other token.
    assert values["auth"] == {"k8s": {"enabled": True, "audience": "cloud-kernel-iceberg-catalog"}}
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


# ----- the catalog's authorizer: OpenFGA ---------------------------------------------------------------------
SECRET = "kubernetes:core/v1:Secret"
_SIG = "4dabf18193072939515e22adb298388d"


def _is_secret(value) -> bool:
    return isinstance(value, dict) and value.get(_SIG) == "1b47061264138c4ac30d75fd1eb44270"


def _catalog_secret(result: CoreBuild, name: str):
    (found,) = [r for r in result.by_type(SECRET) if r.inputs["metadata"]["name"] == name]
    return found


def test_catalog_authorizes_with_openfga_on_the_platform_postgres():
    result = build()
    values = {r.inputs["name"]: r.inputs["values"] for r in result.by_type(RELEASE)}["lakekeeper"]
    assert values["authz"]["backend"] == "openfga" and values["internalOpenFGA"] is True
    fga = values["openfga"]
    assert fga["postgresql"] == {"enabled": False}  # no database of its own on the side
    datastore = fga["datastore"]
    assert datastore["engine"] == "postgres"
    # Migrations in an init container: the `job` type is a post-install hook the waiting release never reaches.
    assert datastore["migrationType"] == "initContainer"
    assert not {"uri", "password", "username"} & {k for k, v in datastore.items() if v}

    # The datastore URI: a Secret (key `uri`) whose values are secret Outputs, pointing at the contract's Postgres.
    uri_secret = _catalog_secret(result, datastore["uriSecret"])
    assert _is_secret(uri_secret.inputs["stringData"])
    data = plain(uri_secret.inputs["stringData"])
    assert data["uri"] == (
        "postgres://openfga:" + "p" * 40 + "@ck-dev-platform.abc.eu-west-1.rds.amazonaws.com:5432/openfga?sslmode=require"
    )
    # Pre-shared keys: OpenFGA reads `keys`, Lakekeeper presents `apiKey`, both from one Secret, never in the values.
    assert fga["authn"] == {"method": "preshared", "preshared": {"keysSecret": "iceberg-catalog-openfga-authn"}}
    authn = _catalog_secret(result, "iceberg-catalog-openfga-authn").inputs["stringData"]
    assert _is_secret(authn) and plain(authn)["keys"] == plain(authn)["apiKey"] == "p" * 48
    assert {"name": "LAKEKEEPER__OPENFGA__API_KEY",
            "valueFrom": {"secretKeyRef": {"name": "iceberg-catalog-openfga-authn", "key": "apiKey"}}} \
        in values["catalog"]["extraEnv"]
    assert "apiKey" not in values["authz"]["openfga"]
    assert "p" * 40 not in json.dumps(values)  # no generated password anywhere in the release values
    release = next(r for r in result.by_type(RELEASE) if r.inputs["name"] == "lakekeeper")
    assert {uri_secret.urn, _catalog_secret(result, "iceberg-catalog-openfga-authn").urn} <= set(release.dependencies)


def test_the_bootstrap_job_creates_the_openfga_database_like_the_catalogs():
    result = build()
    job = next(o for o in result.kubernetes_objects() if o["kind"] == "Job"
               and o["metadata"]["name"] == "iceberg-catalog-db-bootstrap")
    pod = job["spec"]["template"]["spec"]
    env = {e["name"]: e["value"] for e in pod["containers"][0]["env"]}
    assert env["OPENFGA_USER"] == env["OPENFGA_DB"] == "openfga" and env["PGSSLMODE"] == "require"
    volumes = {v["name"]: v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
    assert volumes["openfga"] == "iceberg-catalog-openfga-db"
    script = pod["containers"][0]["command"][-1]
    assert 'bootstrap "$OPENFGA_USER" "$OPENFGA_DB" openfga' in script


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_openfga_pods_are_restricted_sized_and_on_the_system_pool(environment):
    result = build(environment)
    fga = {r.inputs["name"]: r.inputs["values"] for r in result.by_type(RELEASE)}["lakekeeper"]["openfga"]
    assert fga["podSecurityContext"]["runAsNonRoot"] is True
    assert fga["podSecurityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    context = fga["securityContext"]  # the chart gives it to the server and the migrate init container
    assert context["allowPrivilegeEscalation"] is False and context["capabilities"] == {"drop": ["ALL"]}
    assert context["readOnlyRootFilesystem"] is True and context["runAsNonRoot"] is True
    for block in (fga["resources"], fga["datastore"]["migrations"]["resources"]):
        assert {"cpu", "memory"} <= set(block["requests"]) and {"cpu", "memory"} <= set(block["limits"])
    assert fga["nodeSelector"] == {"cloud-kernel.io/pool": "system"}
    assert fga["tolerations"][0]["key"] == "cloud-kernel.io/system"
    assert fga["playground"] == {"enabled": False}
    budgets = [o for o in result.kubernetes_objects() if o["kind"] == "PodDisruptionBudget"
               and o["metadata"]["namespace"] == "iceberg-catalog"]
    if environment == "prod":
        assert fga["replicaCount"] == 2
        (budget,) = budgets
        assert budget["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "openfga",
                                                             "app.kubernetes.io/instance": "lakekeeper"}
    else:
        assert fga["replicaCount"] == 1 and budgets == []


def test_only_lakekeeper_reaches_openfga():
    policies = {p["metadata"]["name"]: p["spec"] for p in (r.inputs for r in build().by_type(NETPOL))
                if p["metadata"]["namespace"] == "iceberg-catalog"}
    assert "allow-same-namespace" not in policies  # the namespace's paths are named one by one
    openfga = {"app.kubernetes.io/name": "openfga", "app.kubernetes.io/instance": "lakekeeper"}
    lakekeeper = {"app.kubernetes.io/name": "lakekeeper"}
    assert policies["allow-openfga-clients"] == {
        "podSelector": {"matchLabels": openfga},
        "ingress": [{"from": [{"podSelector": {"matchLabels": lakekeeper}}], "ports": [{"protocol": "TCP", "port": 8081}]}],
        "policyTypes": ["Ingress"],
    }
    assert policies["allow-lakekeeper-to-openfga"]["egress"] == [
        {"to": [{"podSelector": {"matchLabels": openfga}}], "ports": [{"protocol": "TCP", "port": 8081}]}
    ]
    # No other policy of the namespace admits anything to the OpenFGA pods.
    others = [n for n, p in policies.items() if "Ingress" in p["policyTypes"] and p.get("ingress")
              and n != "allow-openfga-clients" and p["podSelector"].get("matchLabels", {}).items() <= openfga.items()
              and not n.startswith("allow-prometheus")]
    assert others == []
