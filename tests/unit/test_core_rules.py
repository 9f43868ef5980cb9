"""Pure parts of the core kernel: config rules, identity requests, network policy model, quotas."""

from __future__ import annotations

import pydantic
import pytest

from core_kernel.identities import ALL_BUCKETS, identity_requests
from core_kernel.namespaces import NODE_EXPORTER_NAMESPACE, PlatformNamespace, namespace_object, platform_namespaces
from core_kernel.network_policies import network_policies
from core_kernel.scheduling import (
    priority_class_objects,
    workspace_limit_range,
    workspace_resource_quota,
    workspace_resource_quota_hard,
)
from core_kernel.specs import CoreKernelSpec
from tests.support.k8s_validation import validate_object


def spec(**overrides) -> CoreKernelSpec:
    return CoreKernelSpec.model_validate({"domain": "data.example.com", **overrides})


# ----- config ----------------------------------------------------------------------------------------------
def test_defaults_enable_everything_with_a_private_ca():
    s = spec()
    assert s.enabled_services() == [
        "certManager", "externalSecrets", "gateway", "monitoring", "workflows", "spark", "catalog", "policy"
    ]
    assert s.cert_manager.cluster_issuer.private_ca is not None and s.cert_manager.cluster_issuer.acme is None
    assert s.gateway.public is False


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"certManager": {"enabled": False}}, "gateway.enabled needs certManager.enabled"),
        ({"externalSecrets": {"enabled": False}}, "catalog.enabled needs externalSecrets.enabled"),
        ({"gateway": {"enabled": False}}, "workflows.exposeUi needs gateway.enabled"),
        ({"catalog": {"enabled": False, "expose": True}}, "catalog.expose needs catalog.enabled"),
        ({"certManager": {"clusterIssuer": {"acme": {"email": "a@b.io"}, "privateCa": {}}}}, "either acme or privateCa"),
        ({"certManager": {"clusterIssuer": {"acme": {"email": "not-an-email"}}}}, "pattern"),
        ({"certManager": {"clusterIssuer": {"acme": {"email": "a@b.io"}}}}, "needs gateway.enabled and gateway.public"),
        ({"monitoring": {"retention": "15 days"}}, "pattern"),
        ({"catalog": {"database": "Bad_Name"}}, "pattern"),
        ({"bogus": 1}, "Extra inputs"),
        ({"domain": "localhost"}, "pattern"),
    ],
)
def test_invalid_configs(overrides, message):
    with pytest.raises(pydantic.ValidationError, match=message):
        spec(**overrides)


def test_camel_case_keys_and_frozen():
    s = spec(externalSecrets={"enabled": True}, monitoring={"storageGb": 100, "nodeExporter": True})
    assert s.monitoring.storage_gb == 100 and s.monitoring.node_exporter
    with pytest.raises(pydantic.ValidationError):
        s.domain = "other.example.com"  # type: ignore[misc]


# ----- identities ------------------------------------------------------------------------------------------
def test_identity_requests():
    requests = {r.name: r for r in identity_requests(spec(), "prod", ["raw", "curated"])}
    assert set(requests) == {"external-secrets", "iceberg-catalog"}
    eso = requests["external-secrets"]
    assert (eso.namespace, eso.service_account, eso.secrets_read, eso.secrets_prefix) == (
        "external-secrets", "external-secrets", True, "cloud-kernel/prod/"
    )
    assert eso.buckets == {}
    catalog = requests["iceberg-catalog"]
    assert (catalog.namespace, catalog.service_account) == ("iceberg-catalog", "lakekeeper")
    assert catalog.buckets == {"curated": "readwrite", "raw": "readwrite"}
    assert catalog.secrets_read is False


def test_identity_requests_follow_switches_and_default_buckets():
    without_catalog = identity_requests(spec(catalog={"enabled": False}), "dev")
    assert [r.name for r in without_catalog] == ["external-secrets"]
    # Only the catalog's bootstrap needs the database admin credential through External Secrets.
    assert without_catalog[0].database_admin_secrets is False
    (eso,) = [r for r in identity_requests(spec(), "dev") if r.name == "external-secrets"]
    assert eso.database_admin_secrets is True
    assert eso.model_copy(update={"database_admin_secrets": False}) == without_catalog[0]
    (catalog,) = [r for r in identity_requests(spec(), "dev") if r.name == "iceberg-catalog"]
    assert catalog.buckets == {ALL_BUCKETS: "readwrite"}
    assert identity_requests(spec(catalog={"enabled": False}, externalSecrets={"enabled": False}), "dev") == []


# ----- namespaces and network policies ---------------------------------------------------------------------
def test_relaxed_namespace_needs_a_reason():
    with pytest.raises(ValueError, match="without a reason"):
        namespace_object(PlatformNamespace("x", "x", "baseline"))


def test_node_exporter_namespace_only_when_asked():
    assert NODE_EXPORTER_NAMESPACE not in {n.name for n in platform_namespaces(spec())}
    relaxed = [n for n in platform_namespaces(spec(monitoring={"nodeExporter": True})) if n.pod_security != "restricted"]
    assert [(n.name, n.pod_security) for n in relaxed] == [(NODE_EXPORTER_NAMESPACE, "privileged")]
    assert relaxed[0].reason


def _policies(s: CoreKernelSpec) -> dict[str, dict[str, dict]]:
    return {
        ns.key: {p["metadata"]["name"]: p for p in network_policies(ns, s)}
        for ns in platform_namespaces(s)
    }


def test_every_namespace_starts_with_default_deny_and_validates():
    s = spec(monitoring={"nodeExporter": True}, catalog={"expose": True})
    for ns in platform_namespaces(s):
        policies = network_policies(ns, s)
        assert policies[0]["metadata"]["name"] == "default-deny"
        assert len({p["metadata"]["name"] for p in policies}) == len(policies)
        for policy in policies:
            assert policy["metadata"]["namespace"] == ns.name
            assert validate_object(policy) == []


def test_catalog_is_reachable_from_workspaces_and_gateway_only_when_exposed():
    hidden = _policies(spec())["catalog"]["allow-catalog-clients"]["spec"]["ingress"][0]["from"]
    exposed = _policies(spec(catalog={"expose": True}))["catalog"]["allow-catalog-clients"]["spec"]["ingress"][0]["from"]
    workspace = {"namespaceSelector": {"matchLabels": {"cloud-kernel.io/workspace": "true"}}}
    assert workspace in hidden and workspace in exposed
    assert not any(p.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") == "envoy-gateway-system" for p in hidden)
    assert any(p.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") == "envoy-gateway-system" for p in exposed)


def test_scrape_allowances_follow_monitoring():
    with_monitoring = _policies(spec())
    without = _policies(spec(monitoring={"enabled": False}))
    assert "allow-prometheus-scrape" in with_monitoring["certManager"]
    assert all("allow-prometheus-scrape" not in p for p in without.values())
    rule = with_monitoring["certManager"]["allow-prometheus-scrape"]["spec"]["ingress"][0]
    assert rule["ports"] == [{"protocol": "TCP", "port": 9402}]


def test_acme_adds_http_egress_for_cert_manager_only():
    private = _policies(spec())["certManager"]
    acme = _policies(spec(certManager={"clusterIssuer": {"acme": {"email": "a@b.io"}}}, gateway={"public": True}))["certManager"]
    assert "allow-acme-self-check" not in private and "allow-acme-self-check" in acme


def test_no_namespace_allows_all_egress_to_anywhere():
    for policies in _policies(spec(monitoring={"nodeExporter": True})).values():
        for policy in policies.values():
            for rule in policy["spec"].get("egress", []):
                if any("ipBlock" in peer for peer in rule.get("to", [])):
                    assert rule.get("ports"), policy["metadata"]


# ----- scheduling ------------------------------------------------------------------------------------------
def test_workspace_templates_validate_and_accept_overrides():
    quota = workspace_resource_quota("ws-sales", workspace_resource_quota_hard({"requests.cpu": "64"}))
    limits = workspace_limit_range("ws-sales")
    assert quota["spec"]["hard"]["requests.cpu"] == "64"
    assert quota["spec"]["hard"]["services.loadbalancers"] == "0"
    assert list(quota["spec"]["hard"]) == sorted(quota["spec"]["hard"])
    for obj in [quota, limits, *priority_class_objects()]:
        assert validate_object(obj) == []
    container = next(l for l in limits["spec"]["limits"] if l["type"] == "Container")
    assert set(container["default"]) == set(container["defaultRequest"]) == {"cpu", "memory"}
