"""The Resource runtime against a REAL control plane: `kernelctl runtime run` (as subprocesses) plus `kernelctl
apply -f examples/workspaces -R`, then what a data developer and a platform engineer would check: statuses,
owned objects with the compiled content, updates, drift repair, dependency waits, errors that stay local,
cascading deletes, Database migrations on a real PostgreSQL, restarts without duplicate work, one active replica.

No kubelet runs: pods are admitted (Pod Security enforced) but never start, so no Deployment has ready replicas
and a Service's runtime stays `pending`; tests say so where it matters.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import yaml
from typer.testing import CliRunner

from core_kernel.context import CONTEXT_CONFIGMAP, CONTEXT_KEY, PLATFORM_NAMESPACE, PlatformContext
from core_kernel.scheduling import priority_class_objects
from core_kernel.services.runtime import NAME as RUNTIME_NAME
from core_kernel.services.runtime import RESOURCE_PLURALS, rbac_objects
from kernelctl.cli import app
from tests.e2e.runtime_fixture import ROOT, Runtime
from tests.support.engines import USER_CRDS, needed_crds
from tests.support.postgres import server  # noqa: F401 - the fixture
from user_space.compiler.common import INSTANCE_WORKSPACE, Res
from user_space.compiler.index import Index
from user_space.compiler.workspace import workspace_objects
from user_space.gitops import load_manifests
from user_space.plan_objects import load_and_compile
from user_space.runtime.dependencies import Known
from user_space.runtime.desired import Owner, desired

pytestmark = pytest.mark.e2e

EXAMPLES = ROOT / "examples" / "workspaces"
NAMED_WAITS = {"WaitingForDependency", "WaitingForAPI", "WaitingForNamespace", "WaitingForCredentials",
               "WaitingForPlatformContext"}


def kernelctl(plane, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "kernelctl", *args, "--kubeconfig", str(plane.kubeconfig)],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"kernelctl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def resources(plane) -> dict[tuple[str, str], dict]:
    """`kernelctl get -A -o json`, the same command run in this process: the waits poll it every half second, and
    a new CLI process would cost about a second of CPU each time (the other tests run the CLI as a process)."""
    result = CliRunner().invoke(app, ["get", "-A", "-o", "json", "--kubeconfig", str(plane.kubeconfig)])
    assert result.exit_code == 0, f"kernelctl get failed ({result.exit_code}):\n{result.stderr}"
    return {(r["type"], r["name"]): r for r in json.loads(result.stdout)}


def context_for(pg) -> PlatformContext:
    ctx = PlatformContext.sample()
    db = ctx.databases["platform"].model_copy(update={"host": pg["host"], "port": pg["port"]})
    return ctx.model_copy(update={"databases": {"platform": db}})


def apply_objects(plane, objects: list[dict]) -> None:
    body = "\n---\n".join(json.dumps(o) for o in objects)
    plane.kubectl("apply", "--server-side", "--field-manager=e2e-setup", "-f", "-", stdin=body)


@pytest.fixture(scope="module")
def platform(control_plane, server, tmp_path_factory):
    """CRDs (ours, and the add-ons' the examples compile to), the platform context, the admin credential, one
    runtime replica."""
    plane = control_plane
    ctx = context_for(server)
    addon_crds, missing = needed_crds(load_and_compile([EXAMPLES], ctx).result.objects)
    assert missing == [], f"kinds with no CRD to check them against: {missing}"
    plane.install_crds([USER_CRDS, *addon_crds])
    system = workspace_objects(Index(ctx, []), INSTANCE_WORKSPACE)[0]
    apply_objects(plane, [
        *priority_class_objects(),  # the core kernel's; workspace pods name them
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": PLATFORM_NAMESPACE}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": CONTEXT_CONFIGMAP,
                                                              "namespace": PLATFORM_NAMESPACE},
         "data": {CONTEXT_KEY: ctx.to_json()}},
        system,
        # What External Secrets would sync from the cloud secret manager: the platform Postgres admin.
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "postgres-admin-platform",
                                                           "namespace": INSTANCE_WORKSPACE},
         "stringData": {"username": server["admin"], "password": server["admin_password"]}},
    ])
    logs = tmp_path_factory.mktemp("runtime")
    env = {"CLOUD_KERNEL_PGSSLMODE": server["sslmode"]}
    # The runtime runs as the core kernel deploys it: its ServiceAccount, bound to its least-privilege role.
    kubeconfig = service_account_kubeconfig(plane, logs / "runtime.kubeconfig")
    state = {"plane": plane, "pg": server, "ctx": ctx, "logs": logs, "env": env, "kubeconfig": kubeconfig,
             "runtime": Runtime(kubeconfig, logs / "a.log", "replica-a", env)}
    try:
        yield state
    finally:
        for key in ("runtime", "standby"):
            if state.get(key) is not None:
                state[key].stop()


def service_account_kubeconfig(plane, path: Path) -> Path:
    """A kubeconfig for the runtime's ServiceAccount (token from the TokenRequest API), after applying the
    RBAC the core kernel deploys: the tests then prove that role is enough."""
    apply_objects(plane, rbac_objects(PLATFORM_NAMESPACE, RESOURCE_PLURALS))
    token = plane.kubectl("create", "token", RUNTIME_NAME, "-n", PLATFORM_NAMESPACE, "--duration=2h").stdout.strip()
    config = json.loads(Path(plane.kubeconfig).read_text())
    config["users"] = [{"name": RUNTIME_NAME, "user": {"token": token}}]
    config["contexts"][0]["context"]["user"] = RUNTIME_NAME
    path.write_text(json.dumps(config))
    path.chmod(0o600)
    return path


def wait_settled(plane, timeout: float = 90.0) -> dict[tuple[str, str], dict]:
    """Every Resource active, or pending with a named reason, or error."""
    def settled():
        rows = resources(plane)
        done = all(r["status"] in ("active", "error") or r["reason"] in NAMED_WAITS for r in rows.values())
        return rows if rows and done else None

    return plane.wait_for("every Resource to settle", settled, timeout=timeout)


def test_apply_prints_dataos_lines_and_examples_settle(platform):
    plane = platform["plane"]
    out = kernelctl(plane, "apply", "-f", str(EXAMPLES), "-R").stdout.splitlines()
    assert "applying(retail) orders-api:v1:service...created" in out
    assert "applying runnable-default:v1:compute...created" in out
    again = kernelctl(plane, "apply", "-f", str(EXAMPLES), "-R").stdout.splitlines()
    assert all(line.endswith("...unchanged") for line in again), again
    rows = wait_settled(plane)
    assert len(rows) == len(load_manifests([EXAMPLES]).views)
    for key in [("service", "orders-api"), ("worker", "orders-events"), ("workflow", "orders-ingest"),
                ("secret", "orders-api-token"), ("depot", "ordersdb"), ("lakehouse", "retaillake"),
                ("monitor", "orders-ingest-failed"), ("pager", "retail-oncall"), ("bundle", "analytics-sandbox")]:
        assert rows[key]["status"] == "active", rows[key]
    # The OPA namespace is not installed on this control plane: Policies wait and say why.
    policy = rows[("policy", "retail-readers")]
    assert (policy["status"], policy["reason"]) == ("pending", "WaitingForNamespace")
    assert "'opa'" in policy["message"]
    # Runtime: a scheduled Workflow is idle until its next run (02:00 Europe/Berlin = 01:00 UTC in winter);
    # no kubelet, so the Service's replicas never become ready.
    assert rows[("workflow", "orders-ingest")]["runtime"].startswith("next:")
    assert rows[("workflow", "orders-ingest")]["runtime"].endswith("T01:00:00Z")
    assert rows[("service", "orders-api")]["runtime"] == "pending"


def test_database_migrations_ran_on_the_real_postgres(platform):
    plane, pg = platform["plane"], platform["pg"]
    row = plane.wait_for("the Database to migrate", lambda: (r := resources(plane)[("database", "orders")])
                         ["runtime"] == "succeeded" and r, timeout=60)
    assert row["status"] == "active"
    with psycopg.connect(host=pg["host"], port=pg["port"], user=pg["admin"], password=pg["admin_password"],
                         dbname="retail_orders") as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM cloudkernel_schema_migrations ORDER BY 1")]
        assert versions == ["001_init", "002_status"]
        assert conn.execute("SELECT to_regclass('public.orders')").fetchone()[0] == "orders"
    # The owner password was generated once and kept in a Secret of the workspace, not in spec or status.
    secret = plane.get_json("secret", "-n", "retail", "orders-db-owner-password")
    assert secret["metadata"]["ownerReferences"][0]["kind"] == "Database"
    cr = plane.get_json("databases.kernel.cloudkernel.io", "-n", "retail", "orders")
    assert "password" not in json.dumps(cr["spec"]).lower() + json.dumps(cr["status"]).lower()


def test_owned_objects_have_the_compiled_content(platform):
    plane, ctx = platform["plane"], platform["ctx"]
    views = load_manifests([EXAMPLES]).views
    res = next(Res(v) for v in views if (v["type"], v["name"]) == ("service", "orders-api"))
    cr = plane.get_json("services.kernel.cloudkernel.io", "-n", "retail", "orders-api")
    want = desired(res, Known([Res(v) for v in views], ctx.node_pools), ctx,
                   Owner("service", "orders-api", "retail", cr["metadata"]["uid"]))
    kinds = sorted(o["kind"] for o in want.owned)
    # the route needs a JWT (noAuthentication is false): a SecurityPolicy targets it
    assert kinds == ["Deployment", "HTTPRoute", "HorizontalPodAutoscaler", "PodDisruptionBudget", "SecurityPolicy",
                     "Service"]
    assert sorted(o["kind"] for o in cr["status"]["objects"]) == kinds
    compiled = next(o for o in want.owned if o["kind"] == "Deployment")
    live = plane.get_json("deployment", "-n", "retail", "orders-api", "--show-managed-fields")

    def essence(spec: dict) -> list[tuple]:  # what we wrote; the API server adds defaults next to it
        return [(c["name"], c["image"], c["resources"], c["securityContext"], [e["name"] for e in c.get("env", [])],
                 [m["mountPath"] for m in c.get("volumeMounts", [])]) for c in spec["template"]["spec"]["containers"]]

    assert essence(live["spec"]) == essence(compiled["spec"])
    assert live["spec"]["selector"] == compiled["spec"]["selector"]
    assert live["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "cloud-kernel-runtime"
    assert live["metadata"]["labels"]["app.kubernetes.io/instance"] == "orders-api-service"
    assert live["metadata"]["ownerReferences"] == [{"apiVersion": "kernel.cloudkernel.io/v1alpha1",
                                                    "kind": "Service", "name": "orders-api",
                                                    "uid": cr["metadata"]["uid"], "controller": True,
                                                    "blockOwnerDeletion": True}]
    managers = {m["manager"] for m in live["metadata"]["managedFields"] if m["operation"] == "Apply"}
    assert managers == {"cloud-kernel-runtime"}
    # The workspace got what its Resources need, once: runner account, quota, default deny plus allows.
    policies = {p["metadata"]["name"] for p in plane.get_json("networkpolicy", "-n", "retail")["items"]}
    assert {"default-deny", "allow-dns", "allow-gateway", "allow-postgres"} <= policies
    plane.get_json("serviceaccount", "-n", "retail", "dataos-runner")
    # The controller manager made the ReplicaSet, and Pod Security "restricted" admitted its pods.
    plane.wait_for("admitted pods", lambda: plane.get_json(
        "pods", "-n", "retail", "-l", "cloudkernel.io/resource-name=orders-api")["items"], timeout=60)


def test_get_runtime_and_log_of_a_service(platform):
    plane = platform["plane"]
    report = kernelctl(plane, "get", "runtime", "-t", "service", "-n", "orders-api", "-w", "retail").stdout
    assert "status:  active" in report and "Deployment retail/orders-api" in report
    assert "pending" in report  # its pods: admitted, never running here
    result = kernelctl(plane, "log", "-t", "service", "-n", "orders-api", "-w", "retail", check=False)
    assert result.returncode == 1 and "no started pod" in result.stderr and "Traceback" not in result.stderr


def test_update_changes_owned_objects(platform, tmp_path):
    plane = platform["plane"]
    manifest = yaml.safe_load((EXAMPLES / "retail" / "worker.yaml").read_text())
    manifest["worker"]["replicas"] = 3
    (tmp_path / "worker.yaml").write_text(yaml.safe_dump(manifest))
    assert "...updated" in kernelctl(plane, "apply", "-f", str(tmp_path / "worker.yaml")).stdout
    plane.wait_for("the Deployment to scale", lambda: plane.get_json(
        "deployment", "-n", "retail", "orders-events")["spec"]["replicas"] == 3, timeout=30)


def test_drift_is_repaired(platform):
    plane = platform["plane"]
    before = plane.get_json("deployment", "-n", "retail", "orders-api")
    plane.kubectl("delete", "deployment", "-n", "retail", "orders-api", "--wait=false")
    plane.wait_for("the deleted Deployment to come back", lambda: (d := plane.kubectl(
        "get", "deployment", "-n", "retail", "orders-api", "-o", "json", check=False)).returncode == 0
        and json.loads(d.stdout)["metadata"]["uid"] != before["metadata"]["uid"], timeout=30)
    plane.kubectl("set", "image", "-n", "retail", "deployment/orders-api", "main=example.com/evil:1")
    image = before["spec"]["template"]["spec"]["containers"][0]["image"]
    plane.wait_for("the edited image to be put back", lambda: plane.get_json(
        "deployment", "-n", "retail", "orders-api")["spec"]["template"]["spec"]["containers"][0]["image"] == image,
        timeout=30)
    plane.kubectl("delete", "networkpolicy", "-n", "retail", "allow-postgres")
    plane.wait_for("the workspace policy to come back", lambda: plane.kubectl(
        "get", "networkpolicy", "-n", "retail", "allow-postgres", check=False).returncode == 0, timeout=30)


def _apply_manifest(plane, tmp_path: Path, manifest: dict) -> str:
    path = tmp_path / f"{manifest['name']}.yaml"
    path.write_text(yaml.safe_dump(manifest))
    return kernelctl(plane, "apply", "-f", str(path)).stdout


def test_a_missing_dependency_waits_by_name_then_resolves(platform, tmp_path):
    plane = platform["plane"]
    worker = {"name": "late-worker", "version": "v1beta", "type": "worker", "workspace": "retail",
              "worker": {"replicas": 1, "stack": "container", "compute": "runnable-default",
                         "dataosSecrets": [{"name": "late-token"}],
                         "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                                       "limits": {"cpu": "100m", "memory": "128Mi"}},
                         "stackSpec": {"image": "docker.io/library/busybox:1.36", "command": ["sleep", "3600"]}}}
    _apply_manifest(plane, tmp_path, worker)
    row = plane.wait_for("the worker to wait", lambda: (r := resources(plane).get(("worker", "late-worker")))
                         and r["reason"] == "WaitingForDependency" and r, timeout=30)
    assert row["status"] == "pending" and "secret retail/late-token" in row["message"]
    _apply_manifest(plane, tmp_path, {"name": "late-token", "version": "v1", "type": "secret", "workspace": "retail",
                                      "secret": {"type": "key-value", "acl": "r", "data": {"TOKEN": "t0ken"}}})
    started = time.monotonic()
    plane.wait_for("the worker to go active", lambda: resources(plane)[("worker", "late-worker")]["status"]
                   == "active", timeout=30)
    assert time.monotonic() - started < 15  # woken by the Secret's arrival, not by the periodic resync


def test_a_malformed_resource_errors_and_the_others_go_on(platform, tmp_path):
    plane = platform["plane"]
    bad = {"apiVersion": "kernel.cloudkernel.io/v1alpha1", "kind": "Workflow",
           "metadata": {"name": "broken", "namespace": "retail"},
           "spec": {"name": "broken", "version": "v1", "type": "workflow", "workspace": "retail",
                    "workflow": {"dag": [{"name": "a", "dependencies": ["nope"],
                                          "spec": {"stack": "container", "compute": "runnable-default",
                                                   "stackSpec": {"image": "busybox:1.36"}}}]}}}
    apply_objects(plane, [bad])
    row = plane.wait_for("the broken Workflow to report", lambda: (r := resources(plane).get(("workflow", "broken")))
                         and r["status"] == "error" and r, timeout=30)
    assert "depends on unknown job(s): nope" in row["message"]
    _apply_manifest(plane, tmp_path, {"name": "after-broken", "version": "v1", "type": "secret",
                                      "workspace": "retail", "secret": {"type": "key-value", "acl": "r", "data": {"A": "b"}}})
    plane.wait_for("a later Resource to go active", lambda: resources(plane)[("secret", "after-broken")]["status"]
                   == "active", timeout=30)


def test_delete_refuses_while_used_then_cascades(platform):
    plane = platform["plane"]
    refused = kernelctl(plane, "delete", "-t", "database", "-n", "orders", "-w", "retail", check=False)
    assert refused.returncode == 1 and "service:v1:orders-api:retail" in refused.stderr
    out = kernelctl(plane, "delete", "-t", "service", "-n", "orders-api", "-w", "retail").stdout
    assert "deleting(retail) orders-api:v1:service...deleted" in out
    for kind in ("deployment", "service", "hpa", "pdb", "httproute"):
        plane.wait_for(f"the {kind} to be garbage-collected", lambda kind=kind: plane.kubectl(
            "get", kind, "-n", "retail", "orders-api", check=False).returncode != 0, timeout=60)


def _owned_versions(plane) -> dict[str, str]:
    out = {}
    for kind in ("deployment", "service", "configmap", "networkpolicy", "externalsecret", "cronworkflow",
                 "horizontalpodautoscaler", "serviceaccount"):
        for item in plane.get_json(kind, "-A", "-l", "app.kubernetes.io/managed-by=cloud-kernel-runtime")["items"]:
            meta = item["metadata"]
            out[f"{kind}/{meta['namespace']}/{meta['name']}"] = meta["resourceVersion"]
    return out


def _statuses(plane) -> dict[tuple[str, str], dict]:
    return {k: {f: v for f, v in r.items() if f != "age"} for k, r in resources(plane).items()}


def test_restart_resumes_without_duplicate_work(platform):
    plane = platform["plane"]
    wait_settled(plane)
    time.sleep(3)  # let the last writes land
    versions, statuses = _owned_versions(plane), _statuses(plane)
    assert platform["runtime"].stop() == 0  # graceful: the Lease is released
    # SIGTERM reached the runtime's own stop flag (kopf runs off the main thread): kopf taking the signal itself
    # waited 5 s for a waiter of its own before exiting.
    assert "stopping" in platform["runtime"].text()
    lease = plane.get_json("lease", "-n", PLATFORM_NAMESPACE, "cloud-kernel-runtime")
    assert not lease["spec"].get("holderIdentity")
    platform["runtime"] = Runtime(platform["kubeconfig"], platform["logs"] / "a2.log", "replica-a2", platform["env"])
    plane.wait_for("the new replica to lead", lambda: "leading as replica-a2" in platform["runtime"].text(), timeout=30)
    time.sleep(10)  # every Resource resumes (and would write now if it were going to)
    assert _owned_versions(plane) == versions
    assert _statuses(plane) == statuses


def test_two_replicas_only_one_reconciles(platform, tmp_path):
    plane = platform["plane"]
    leader = platform["runtime"]
    platform["standby"] = standby = Runtime(platform["kubeconfig"], platform["logs"] / "b.log", "replica-b",
                                            platform["env"])
    plane.wait_for("the standby to stand by", lambda: "standing by" in standby.text(), timeout=30)
    _apply_manifest(plane, tmp_path, {"name": "during-standby", "version": "v1", "type": "secret",
                                      "workspace": "retail", "secret": {"type": "key-value", "acl": "r", "data": {"A": "b"}}})
    plane.wait_for("the leader to reconcile", lambda: resources(plane)[("secret", "during-standby")]["status"]
                   == "active", timeout=30)
    assert "leading" not in standby.text() and "kopf" not in standby.text()
    lease = plane.get_json("lease", "-n", PLATFORM_NAMESPACE, "cloud-kernel-runtime")
    assert lease["spec"]["holderIdentity"] == leader.identity
    leader.stop()
    plane.wait_for("the standby to take over", lambda: "leading as replica-b" in standby.text(), timeout=30)
    _apply_manifest(plane, tmp_path, {"name": "after-failover", "version": "v1", "type": "secret",
                                      "workspace": "retail", "secret": {"type": "key-value", "acl": "r", "data": {"A": "b"}}})
    plane.wait_for("the new leader to reconcile", lambda: resources(plane)[("secret", "after-failover")]["status"]
                   == "active", timeout=30)
    platform["runtime"], platform["standby"] = standby, None


def test_runtime_log_has_no_tracebacks_nor_refusals(platform):
    logs = sorted(platform["logs"].glob("*.log"))
    assert [p.name for p in logs] == ["a.log", "a2.log", "b.log"]
    for log in logs:
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, log.name
        assert "forbidden" not in text.lower(), log.name  # its role is enough for everything it did
        assert "OS signals are ignored" not in text, log.name  # the runtime takes them, not kopf
