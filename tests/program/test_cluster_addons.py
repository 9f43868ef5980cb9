"""The cluster add-ons an EKS data platform needs, read from the plans of both AWS stacks: which are installed,
where they run, what they may do in the AWS account, and that the gateway waits for its load balancer controller."""

from __future__ import annotations

import json

import pytest

from core_kernel.addons import ADDON_NAMESPACES, SYSTEM_POOL

AWS_STACKS = ["dev-aws", "prod-aws"]
RELEASE = "kubernetes:helm.sh/v3:Release"
ALWAYS = {"aws-load-balancer-controller", "cluster-autoscaler", "metrics-server"}


def releases(plan) -> dict[str, dict]:
    return {r["inputs"]["name"]: r for r in plan.resources if r["type"] == RELEASE}


def namespaces(plan) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in plan.kubernetes if o["kind"] == "Namespace"}


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_addons_are_installed_where_the_cluster_needs_them(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    found = set(releases(plan))
    gpu = any(pool.gpu for pool in plan.config.cloud.node_pools.values())
    assert ALWAYS <= found
    assert ("nvidia-device-plugin" in found) is gpu
    assert gpu is (stack == "prod-aws")


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_addons_run_restricted_on_the_system_pool_with_requests_and_limits(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    ns = namespaces(plan)
    policies = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in plan.kubernetes if o["kind"] == "NetworkPolicy"}
    system = plan.config.cloud.node_pools[SYSTEM_POOL]
    for name, release in releases(plan).items():
        namespace = release["inputs"]["namespace"]
        if namespace not in ADDON_NAMESPACES.values():
            continue
        values = release["inputs"]["values"]
        labels = ns[namespace]["metadata"]["labels"]
        assert (namespace, "default-deny") in policies, name
        resources = values["resources"]
        assert resources["requests"] and resources["limits"], name
        assert values["priorityClassName"] in ("system-cluster-critical", "system-node-critical"), name
        if name == "nvidia-device-plugin":
            assert labels["pod-security.kubernetes.io/enforce"] == "privileged"
            assert ns[namespace]["metadata"]["annotations"]["cloud-kernel.io/pod-security-reason"]
            terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
            assert [e["values"] for t in terms for e in t["matchExpressions"]] == [["gpu"]]
            assert {t["key"] for t in values["tolerations"]} == {"nvidia.com/gpu"}
            continue
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted", name
        assert values["nodeSelector"] == {"cloud-kernel.io/pool": "system", **system.labels}, name
        context = values.get("securityContext") if name != "cluster-autoscaler" else values["containerSecurityContext"]
        assert context["allowPrivilegeEscalation"] is False and context["capabilities"] == {"drop": ["ALL"]}, name


def _role_for(plan, namespace: str, account: str) -> tuple[dict, list[dict]]:
    roles = [r for r in plan.resources if r["type"] == "aws:iam/role:Role"
             and f"system:serviceaccount:{namespace}:{account}" in r["inputs"]["assumeRolePolicy"]]
    assert len(roles) == 1, (namespace, account)
    (policy,) = [r for r in plan.resources if r["type"] == "aws:iam/rolePolicy:RolePolicy" and r["parent"] == roles[0]["parent"]]
    return roles[0], json.loads(policy["inputs"]["policy"])["Statement"]


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_addon_identities_may_only_change_this_clusters_resources(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    cluster = next(r for r in plan.resources if r["type"] == "aws:eks/cluster:Cluster")["inputs"]["name"]
    by_name = releases(plan)
    for release, account in (("aws-load-balancer-controller", "serviceAccount"), ("cluster-autoscaler", "rbac")):
        values = by_name[release]["inputs"]["values"]
        sa = values["serviceAccount"] if account == "serviceAccount" else values["rbac"]["serviceAccount"]
        _, statements = _role_for(plan, by_name[release]["inputs"]["namespace"], sa["name"])
        assert sa["annotations"]["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::")
        for statement in statements:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            writes = [a for a in actions if not a.split(":")[1].startswith(("Describe", "Get", "List"))]
            if not writes or statement["Resource"] != "*":
                continue
            # A write on every resource is allowed only under a condition naming this cluster (or the service).
            condition = json.dumps(statement.get("Condition", {}))
            assert cluster in condition or "iam:AWSServiceName" in condition, (release, statement["Sid"])


def test_only_the_gateway_object_waits_for_the_load_balancer_controller(stack_plan) -> None:
    """The controller's Service webhook (fail-closed on every Service) is off, so no release waits for it; the
    Gateway, whose NLB it manages, does (destroyed before the controller, its NLB is deleted)."""
    plan = stack_plan("prod-aws")
    by_name = releases(plan)
    controller = by_name["aws-load-balancer-controller"]["urn"]
    waiting = sorted(r["name"] for r in plan.resources if controller in r["dependencies"] and r["layer"] == "core_kernel")
    gateway = next(r for r in plan.resources if r["type"] == "kubernetes:gateway.networking.k8s.io/v1:Gateway")
    assert waiting == [gateway["name"]]
    values = by_name["aws-load-balancer-controller"]["inputs"]["values"]
    assert values["enableServiceMutatorWebhook"] is False
    # No pod reaches the instance metadata (hop limit 1): the controller is told its VPC and region.
    assert values["vpcId"].startswith("vpc-") and values["region"] == "eu-central-1"


def _dig(values: dict, path: str) -> dict:
    for part in [p for p in path.split(".") if p]:
        values = values.get(part) or {}
    return values


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_core_services_stay_on_the_system_pool(stack_plan, stack: str) -> None:
    """Every component of every platform chart, and every pod the core kernel writes, selects the system pool:
    nothing platform-critical lands on a spot, batch or GPU node the autoscaler may take away."""
    from core_kernel.services.common import SYSTEM_POOL_PATHS
    from core_kernel.versions import CHARTS

    plan = stack_plan(stack)
    system = dict(plan.config.cloud.node_pools[SYSTEM_POOL].labels)
    key_of = {chart.name: key for key, chart in CHARTS.items()}
    placed = 0
    for name, release in releases(plan).items():
        key = key_of[release["inputs"]["chart"]]
        if key == "nvidiaDevicePlugin":
            continue
        assert key in SYSTEM_POOL_PATHS, name
        for path in SYSTEM_POOL_PATHS[key]:
            assert _dig(release["inputs"]["values"], path).get("nodeSelector") == system, (name, path)
            placed += 1
    core = [o for o in plan.kubernetes if o["kind"] in ("Deployment", "Job")
            and o["metadata"]["labels"].get("app.kubernetes.io/part-of") == "cloud-kernel"]
    assert {o["metadata"]["name"] for o in core} >= {"opa", "iceberg-catalog-db-bootstrap"}
    for obj in core:
        assert obj["spec"]["template"]["spec"]["nodeSelector"] == system, obj["metadata"]["name"]
    proxy = next(o for o in plan.kubernetes if o["kind"] == "EnvoyProxy")
    assert proxy["spec"]["provider"]["kubernetes"]["envoyDeployment"]["pod"]["nodeSelector"] == system
    assert placed >= 20


def test_external_dns_only_where_a_zone_is_configured_and_only_in_that_zone(stack_plan) -> None:
    assert "external-dns" not in releases(stack_plan("dev-aws"))
    plan = stack_plan("prod-aws")
    zone = plan.config.core.gateway.dns_zone
    release = releases(plan)["external-dns"]
    values = release["inputs"]["values"]
    assert values["domainFilters"] == [plan.config.core.domain] and values["extraArgs"] == {"zone-id-filter": zone}
    assert values["sources"] == ["gateway-httproute"]
    _, statements = _role_for(plan, release["inputs"]["namespace"], values["serviceAccount"]["name"])
    writes = [s for s in statements if "route53:ChangeResourceRecordSets" in s["Action"]]
    assert len(writes) == 1 and writes[0]["Resource"] == f"arn:aws:route53:::hostedzone/{zone}"
