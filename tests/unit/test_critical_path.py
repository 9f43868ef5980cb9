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


def test_no_release_waits_for_the_monitoring_release(stack_plan):
    """Ordering between core releases: no Helm release waits for kube-prometheus-stack; the charts' monitors,
    which need its CRDs, are our objects and wait for it alone (checked below)."""
    releases = [r for r in stack_plan("prod-aws").resources if r["type"] == "kubernetes:helm.sh/v3:Release"]
    monitoring = next(r["urn"] for r in releases if r["name"] == "core-monitoring-release")
    assert [r["name"] for r in releases if monitoring in r["dependencies"]] == []


# Chart -> (values path of its metrics switch, of its own monitor switch), and the monitors we write in its place:
# (kind, name) -> (the app.kubernetes.io/name values they select, the port they scrape).
CHART_MONITORS = {
    "external-secrets": ("metrics.service.enabled", "serviceMonitor.enabled", {
        ("ServiceMonitor", "external-secrets-metrics"): (["external-secrets"], "metrics"),
        ("ServiceMonitor", "external-secrets-webhook-metrics"): (["external-secrets-webhook"], "metrics"),
        ("ServiceMonitor", "external-secrets-cert-controller-metrics"): (["external-secrets-cert-controller"],
                                                                         "metrics")}),
    "cert-manager": ("prometheus.enabled", "prometheus.servicemonitor.enabled", {
        ("ServiceMonitor", "cert-manager"): (["cainjector", "cert-manager", "webhook"], "http-metrics")}),
    "argo-workflows": ("controller.metricsConfig.enabled", "controller.serviceMonitor.enabled", {
        ("ServiceMonitor", "argo-workflows-workflow-controller"): (["argo-workflows-workflow-controller"], "metrics")}),
    "spark-operator": ("prometheus.metrics.enable", "prometheus.podMonitor.create", {
        ("PodMonitor", "spark-operator-podmonitor"): (["spark-operator"], "metrics")}),
}


def _dig(values, path):
    for part in path.split("."):
        values = values[part]
    return values


def _selected_names(selector):
    names = [selector["matchLabels"]["app.kubernetes.io/name"]] if "matchLabels" in selector else []
    return names + [v for e in selector.get("matchExpressions", []) if e["key"] == "app.kubernetes.io/name"
                    for v in e["values"]]


def test_charts_keep_their_metrics_and_our_monitors_scrape_them(stack_plan):
    """Each chart's metrics stay on and its own monitor off (it would need the monitoring CRDs at install time);
    ours, in the release's namespace, select the chart's metrics Services or pods by the chart's labels, and come
    after the release (an upgrade from the chart's own monitor deletes it before ours, of the same name, exists)."""
    resources = stack_plan("prod-aws").resources
    releases = {r["inputs"]["chart"]: r for r in resources if r["type"] == "kubernetes:helm.sh/v3:Release"}
    for chart, (metrics, own_monitor, expected) in CHART_MONITORS.items():
        values, namespace = releases[chart]["inputs"]["values"], releases[chart]["inputs"]["namespace"]
        assert _dig(values, metrics) is True and _dig(values, own_monitor) is False, chart
        if chart == "external-secrets":  # one metrics Service per component
            assert all(values[c]["metrics"]["service"]["enabled"] for c in ("webhook", "certController"))
        monitors = {(r["type"].rsplit(":", 1)[1], r["inputs"]["metadata"]["name"]): r
                    for r in resources if r["type"].startswith("kubernetes:monitoring.coreos.com/v1:")
                    and r["inputs"]["metadata"]["namespace"] == namespace}
        assert set(monitors) == set(expected), chart
        for key, (names, port) in expected.items():
            spec = monitors[key]["inputs"]["spec"]
            assert releases[chart]["urn"] in monitors[key]["dependencies"], key
            endpoint = (spec.get("endpoints") or spec.get("podMetricsEndpoints"))[0]
            assert sorted(_selected_names(spec["selector"])) == names, key
            assert port in (endpoint.get("port"), endpoint.get("targetPort")), key


def test_every_monitoring_custom_resource_waits_for_the_monitoring_release(stack_plan):
    """Objects of the monitoring.coreos.com CRDs the core kernel creates itself wait for the release installing them."""
    resources = stack_plan("prod-aws").resources
    monitoring = next(r["urn"] for r in resources if r["name"] == "core-monitoring-release")
    monitors = [r for r in resources if r["type"].startswith("kubernetes:monitoring.coreos.com/")]
    assert monitors
    assert all(monitoring in r["dependencies"] for r in monitors), [r["name"] for r in monitors]
