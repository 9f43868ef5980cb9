"""The Iceberg catalog's authorizer, read from the plan of every cloud's stacks: Lakekeeper checks every call
against OpenFGA (the chart's sub-chart) whose datastore is a database on the platform Postgres, reached through a
Secret built from secret Outputs; no credential is written to plan.json or manifests/; only Lakekeeper reaches
OpenFGA and OpenFGA reaches Postgres; its pods run restricted on the system pool."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core_kernel.addons import SYSTEM_POOL
from kernelctl.plan.report import write_plan
from kernelctl.plan.simulated.context import SimContext
from tests.conftest import PLATFORM_STACKS as STACKS
from tests.program.test_cross_layer_wiring import allowed, connection_problems, kinds, workspace_namespaces

NAMESPACE = "iceberg-catalog"
OPENFGA = {"app.kubernetes.io/name": "openfga", "app.kubernetes.io/instance": "lakekeeper"}
LAKEKEEPER = {"app.kubernetes.io/name": "lakekeeper", "app.kubernetes.io/instance": "lakekeeper"}
# A connection string carrying a password: scheme://user:password@host
CREDENTIAL_URI = re.compile(r"postgres(ql)?://[^\s:/@\"']+:[^\s@\"']+@")


def _lakekeeper(plan) -> dict:
    (release,) = [r for r in plan.resources
                  if r["type"] == "kubernetes:helm.sh/v3:Release" and r["inputs"]["chart"] == "lakekeeper"]
    return release


def _secret(plan, name: str) -> dict:
    (found,) = [o for o in plan.kubernetes if o["kind"] == "Secret"
                and o["metadata"] == {**o["metadata"], "namespace": NAMESPACE, "name": name}]
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_lakekeeper_authorizes_with_openfga_on_the_platform_postgres(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    values = _lakekeeper(plan)["inputs"]["values"]
    assert values["authz"]["backend"] == "openfga" and values["internalOpenFGA"] is True
    fga = values["openfga"]
    assert fga["postgresql"]["enabled"] is False
    assert fga["datastore"]["engine"] == "postgres" and fga["datastore"]["migrationType"] == "initContainer"
    uri = _secret(plan, fga["datastore"]["uriSecret"])
    assert uri["stringData"]["uri"] == "[secret]" and uri["stringData"]["password"] == "[secret]"
    (registration,) = [r for r in plan.resources if r["type"] == "kubernetes:core/v1:Secret"
                       and r["inputs"]["metadata"]["name"] == fga["datastore"]["uriSecret"]]
    assert {"stringData.uri", "stringData.password"} <= set(registration["secret_paths"])
    keys = _secret(plan, fga["authn"]["preshared"]["keysSecret"])
    assert fga["authn"]["method"] == "preshared" and keys["stringData"] == {"keys": "[secret]", "apiKey": "[secret]"}
    # The bootstrap Job creates the OpenFGA role and database on the same instance as the catalog's.
    (job,) = [o for o in kinds(plan.kubernetes, "Job") if o["metadata"]["name"] == "iceberg-catalog-db-bootstrap"]
    env = {e["name"]: e.get("value") for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["OPENFGA_DB"] == "openfga" and env["PGHOST"] == values["externalDatabase"]["host_write"]


@pytest.mark.parametrize("stack", STACKS)
def test_no_generated_credential_in_plan_or_manifests(stack_plan, stack: str, tmp_path: Path) -> None:
    plan = stack_plan(stack)
    write_plan(plan, tmp_path)
    written = {p: p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file()}
    assert tmp_path / "plan.json" in written and len(written) > 50
    # The simulated provider's stand-ins for the generated passwords and keys (kernelctl/plan/simulated/common.py).
    sim = SimContext(project=plan.project, stack=plan.stack, region=plan.config.cloud.region)
    generated = {r["name"]: sim.digest("password", r["name"], length=64)[: int(r["inputs"]["length"])]
                 for r in plan.resources if r["type"] == "random:index/randomPassword:RandomPassword"}
    assert {"core-catalog-openfga-db-password", "core-catalog-openfga-key"} <= set(generated)
    for path, text in written.items():
        for name, value in generated.items():
            assert value not in text, f"{path.name}: the value of {name}"
        assert not CREDENTIAL_URI.search(text), f"{path.name}: a connection string with a password"


@pytest.mark.parametrize("stack", STACKS)
def test_only_lakekeeper_reaches_openfga_and_openfga_reaches_postgres(stack_plan, stack: str) -> None:
    objects = stack_plan(stack).kubernetes
    assert connection_problems(objects, (NAMESPACE, LAKEKEEPER), (NAMESPACE, OPENFGA), 8081, "lakekeeper") == []
    migration = {**LAKEKEEPER, "app.kubernetes.io/component": "db-migration"}
    assert connection_problems(objects, (NAMESPACE, migration), (NAMESPACE, OPENFGA), 8081, "migration") == []
    bootstrap = {"app.kubernetes.io/part-of": "cloud-kernel", "app.kubernetes.io/name": "iceberg-catalog-db-bootstrap"}
    denied = [(NAMESPACE, bootstrap, 8081), (NAMESPACE, LAKEKEEPER, 8080), (NAMESPACE, LAKEKEEPER, 3000)]
    denied += [(ws, {}, 8081) for ws in workspace_namespaces(objects)] + [("platform", {}, 8081)]
    for ns, labels, port in denied:
        assert not allowed(objects, "Ingress", NAMESPACE, OPENFGA, ns, labels, port), (ns, labels, port)
    # The platform Postgres is outside the cluster: an egress rule on its port to any address.
    postgres = [p for p in kinds(objects, "NetworkPolicy") if p["metadata"]["namespace"] == NAMESPACE
                and "Egress" in p["spec"]["policyTypes"]
                and all(OPENFGA.get(k) == v for k, v in p["spec"]["podSelector"].get("matchLabels", {}).items())
                and any({"protocol": "TCP", "port": 5432} in rule.get("ports", []) for rule in p["spec"]["egress"])]
    assert postgres, "no egress policy lets the OpenFGA pods reach Postgres"


@pytest.mark.parametrize("stack", STACKS)
def test_openfga_pods_run_restricted_on_the_system_pool(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    fga = _lakekeeper(plan)["inputs"]["values"]["openfga"]
    pod, container = fga["podSecurityContext"], fga["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] != 0 and pod["seccompProfile"]["type"] == "RuntimeDefault"
    assert container["allowPrivilegeEscalation"] is False and container["capabilities"] == {"drop": ["ALL"]}
    assert container["privileged"] is False
    for block in (fga["resources"], fga["datastore"]["migrations"]["resources"]):
        assert {"cpu", "memory"} <= set(block["requests"]) and {"cpu", "memory"} <= set(block["limits"])
    system = plan.config.cloud.node_pools.get(SYSTEM_POOL)
    if system is not None:  # where the stack has no system pool (Azure: AKS's own), no core service selects one
        assert fga["nodeSelector"] == {"cloud-kernel.io/pool": "system", **system.labels}
        assert fga["tolerations"] == _lakekeeper(plan)["inputs"]["values"]["catalog"]["tolerations"]
    assert fga["replicaCount"] == (2 if plan.config.environment == "prod" else 1)


ADMIN = {"app.kubernetes.io/part-of": "cloud-kernel", "app.kubernetes.io/name": "iceberg-catalog-admin"}


@pytest.mark.parametrize("stack", STACKS)
def test_catalog_admin_bootstraps_as_its_own_account_with_a_token_for_the_catalog_audience(stack_plan, stack: str):
    plan = stack_plan(stack)
    audience = _lakekeeper(plan)["inputs"]["values"]["auth"]["k8s"]["audience"]
    assert audience  # without one Lakekeeper would accept any service-account token, API-server tokens included
    objects = plan.kubernetes
    (account,) = [o for o in kinds(objects, "ServiceAccount") if o["metadata"]["name"] == "catalog-admin"]
    assert account["metadata"]["namespace"] == NAMESPACE and account["automountServiceAccountToken"] is False
    (job,) = [o for o in kinds(objects, "Job") if o["metadata"]["name"] == "iceberg-catalog-admin"]
    (cron,) = [o for o in kinds(objects, "CronJob") if o["metadata"]["name"] == "iceberg-catalog-admin"]
    for pod in (job["spec"]["template"]["spec"], cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]):
        assert pod["serviceAccountName"] == "catalog-admin" and pod["automountServiceAccountToken"] is False
        tokens = {v["name"]: s["serviceAccountToken"] for v in pod["volumes"] for s in v.get("projected", {})
                  .get("sources", []) if "serviceAccountToken" in s}
        assert tokens["catalog-token"]["audience"] == audience
        assert "audience" not in tokens["kubernetes-token"]  # the API server's own, for the namespace lookups
        (container,) = pod["containers"]
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env["CATALOG_TOKEN_FILE"].startswith(next(m["mountPath"] for m in container["volumeMounts"]
                                                         if m["name"] == "catalog-token"))
        assert "@sha256:" in container["image"] and container["securityContext"]["allowPrivilegeEscalation"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
    (role,) = [o for o in kinds(objects, "ClusterRole") if o["metadata"]["name"] == "cloud-kernel-iceberg-catalog-admin"]
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list"]},
        {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["get"], "resourceNames": ["dataos-runner"]},
    ]
    # In the catalog's namespace only the admin pods reach the API; the database bootstrap and OpenFGA do not.
    assert connection_problems(objects, (NAMESPACE, ADMIN), (NAMESPACE, LAKEKEEPER), 8181, "catalog-admin") == []
    db_bootstrap = {"app.kubernetes.io/part-of": "cloud-kernel", "app.kubernetes.io/name": "iceberg-catalog-db-bootstrap"}
    for labels in (db_bootstrap, OPENFGA):
        assert not allowed(objects, "Ingress", NAMESPACE, LAKEKEEPER, NAMESPACE, labels, 8181), labels


def test_a_changed_admin_script_reruns_the_admin_job_within_the_deploy(stack_plan, monkeypatch, tmp_path: Path):
    """The Job's pod template carries the script's hash: a new script is a changed (so replaced, so rerun) Job,
    not just a changed ConfigMap beside a finished Job."""
    from core_kernel.services import catalog_admin

    (job,) = [o for o in kinds(stack_plan(STACKS[0]).kubernetes, "Job") if o["metadata"]["name"] == "iceberg-catalog-admin"]
    def script_hash(job: dict) -> str:
        return job["spec"]["template"]["metadata"]["annotations"][catalog_admin.SCRIPT_HASH_ANNOTATION]

    planned = script_hash(job)
    assert planned == script_hash(catalog_admin.job())
    changed = tmp_path / "catalog_admin_script.py"
    changed.write_text(catalog_admin.SCRIPT.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    monkeypatch.setattr(catalog_admin, "SCRIPT", changed)
    assert script_hash(catalog_admin.job()) != planned
    assert catalog_admin.script_config_map()["data"][catalog_admin.SCRIPT_KEY].endswith("# changed\n")
