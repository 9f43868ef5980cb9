"""The deploy estimate: longest chain over dependencies (components expanded, providers counted), priors per type."""

from __future__ import annotations

from kernelctl.plan.critical_path import PRIORS, estimate, prior


def entry(urn, type_, *, parent=None, deps=(), custom=True, provider=None, layer="cloud_kernel"):
    return {"urn": urn, "type": type_, "name": urn, "parent": parent, "custom": custom, "provider": provider,
            "dependencies": list(deps), "layer": layer}


def test_longest_chain_through_components_and_providers():
    resources = [
        entry("cluster", "aws:eks/cluster:Cluster"),
        entry("k8s", "pulumi:providers:kubernetes", deps=["cluster"]),
        entry("kernel", "cloud-kernel:core:CoreKernel", custom=False, layer="core_kernel"),
        entry("mon", "kubernetes:helm.sh/v3:Release", parent="kernel", provider="k8s", layer="core_kernel"),
        entry("svc", "cloud-kernel:core:Catalog", parent="kernel", custom=False, layer="core_kernel"),
        entry("cat", "kubernetes:helm.sh/v3:Release", parent="svc", provider="k8s", deps=["mon"], layer="core_kernel"),
        entry("waiter", "kubernetes:core/v1:ConfigMap", provider="k8s", deps=["kernel"], layer="core_kernel"),
    ]
    found = estimate(resources)
    release = PRIORS["kubernetes:helm.sh/v3:Release"]
    # cluster -> monitoring release -> catalog release -> the ConfigMap waiting for the whole kernel component
    assert [s.urn for s in found.path] == ["cluster", "k8s", "mon", "cat", "waiter"]
    assert found.seconds == PRIORS["aws:eks/cluster:Cluster"] + 2 * release + prior("kubernetes:core/v1:ConfigMap")
    # Without edges between in-cluster resources, each waits only for the cluster (through its provider).
    assert found.irreducible_seconds == PRIORS["aws:eks/cluster:Cluster"] + release
    assert found.ratio > 1


def test_prod_aws_plan_critical_path_is_a_real_chain(stack_plan):
    result = stack_plan("prod-aws")
    found = estimate(result.resources)
    by_urn = {r["urn"]: r for r in result.resources}
    types = [s.type for s in found.path]
    # through the cluster and at least one core release (then what waits for it: issuers, routes, Jobs)
    assert "aws:eks/cluster:Cluster" in types and "kubernetes:helm.sh/v3:Release" in types
    assert types.index("aws:eks/cluster:Cluster") < types.index("kubernetes:helm.sh/v3:Release")
    assert found.irreducible_seconds <= found.seconds
    for before, after in zip(found.path, found.path[1:]):  # each step really waits for the one before
        assert after.finish == before.finish + prior(after.type)
        assert by_urn[after.urn]["provider"] == before.urn or before.urn in _closure(by_urn, after.urn)


def _closure(by_urn, urn):
    """Custom resources reachable through the dependencies of `urn` (components expanded)."""
    out, stack = set(), list(by_urn[urn]["dependencies"])
    while stack:
        current = stack.pop()
        if current in out:
            continue
        out.add(current)
        stack.extend(u for u, r in by_urn.items() if r["parent"] == current)
    return out


def test_only_charts_with_monitors_wait_for_the_monitoring_release(stack_plan):
    """Ordering between core releases: a release waits for kube-prometheus-stack only when its chart emits a
    ServiceMonitor/PodMonitor (the CRDs come with that release); the gateway and the catalog start without it
    (the policy service is no chart: its ServiceMonitor alone waits, checked below)."""
    releases = {r["name"]: r for r in stack_plan("prod-aws").resources if r["type"] == "kubernetes:helm.sh/v3:Release"}
    monitoring = releases["core-monitoring-release"]["urn"]
    waiting = sorted(name for name, r in releases.items() if monitoring in r["dependencies"])
    assert waiting == ["core-cert-manager-release", "core-spark-release", "core-workflows-release"]


def test_external_secrets_installs_beside_monitoring_and_is_still_scraped(stack_plan):
    """External Secrets (and the catalog behind it) no longer waits for the monitoring release: the chart's three
    metrics Services are on, its own ServiceMonitors (rendered only once the CRDs exist) off, and ours scrape them."""
    resources = stack_plan("prod-aws").resources
    release = next(r for r in resources if r["name"] == "core-external-secrets-release")
    values = release["inputs"]["values"]
    assert values["serviceMonitor"]["enabled"] is False
    assert all(v["metrics"]["service"]["enabled"] for v in (values, values["webhook"], values["certController"]))
    monitors = {r["inputs"]["metadata"]["name"]: r["inputs"]["spec"] for r in resources
                if r["type"] == "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
                and r["inputs"]["metadata"]["namespace"] == "external-secrets"}
    assert {name: spec["selector"]["matchLabels"]["app.kubernetes.io/name"] for name, spec in monitors.items()} == {
        "external-secrets-metrics": "external-secrets",
        "external-secrets-webhook-metrics": "external-secrets-webhook",
        "external-secrets-cert-controller-metrics": "external-secrets-cert-controller"}
    assert all(spec["endpoints"][0]["port"] == "metrics" for spec in monitors.values())


def test_every_monitoring_custom_resource_waits_for_the_monitoring_release(stack_plan):
    """Objects of the monitoring.coreos.com CRDs the core kernel creates itself wait for the release installing them."""
    resources = stack_plan("prod-aws").resources
    monitoring = next(r["urn"] for r in resources if r["name"] == "core-monitoring-release")
    monitors = [r for r in resources if r["type"].startswith("kubernetes:monitoring.coreos.com/")]
    assert monitors
    assert all(monitoring in r["dependencies"] for r in monitors), [r["name"] for r in monitors]
