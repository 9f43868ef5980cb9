"""The runtime's pure parts: what a Resource waits for, what it owns, its DataOS status; and the core kernel's
deployment of the runtime against what the compiler emits."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from core_kernel.context import PlatformContext
from core_kernel.services.runtime import MANAGED, RESOURCE_PLURALS, cluster_role_rules, runtime_objects
from user_space.compiler.common import Res
from user_space.crds import GROUP, all_crds, plural
from user_space.gitops import load_manifests
from user_space.runtime import status as st
from user_space.runtime.dependencies import Known, Ref, missing, references
from user_space.runtime.desired import Owner, desired
from user_space.runtime.kinds import MANAGED_BY, OWNER_ANNOTATION

ROOT = Path(__file__).resolve().parents[2]
CTX = PlatformContext.sample()
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def examples() -> list[Res]:
    return [Res(v) for v in load_manifests([ROOT / "examples" / "workspaces"]).views]


def _worker(**block) -> Res:
    return Res({"name": "w", "version": "v1beta", "type": "worker", "workspace": "retail",
                "worker": {"stack": "container", "compute": "runnable-default", "stackSpec": {"image": "x:1"}, **block}})


def test_references_name_secrets_volumes_depots_and_computes():
    res = _worker(compute="big", dataosSecrets=[{"name": "tok"}], dataosVolumes=[{"name": "data", "directory": "/d"}],
                  stackSpec={"image": "x:1", "input": "dataos://lake:sales/orders"})
    assert references(res) == sorted([Ref("compute", "big"), Ref("secret", "tok", "retail"),
                                      Ref("volume", "data", "retail"), Ref("depot", "lake")])


def test_missing_refs_wait_and_well_known_computes_do_not():
    assert missing(_worker(), Known([], CTX.node_pools)) == []  # runnable-default is well known
    res = _worker(compute="big", dataosSecrets=[{"name": "tok"}])
    assert missing(res, Known([], CTX.node_pools)) == [Ref("compute", "big"), Ref("secret", "tok", "retail")]
    instance_secret = Res({"name": "tok", "version": "v1", "type": "instance-secret",
                           "instance-secret": {"type": "key-value", "acl": "r", "data": {"a": "b"}}})
    assert missing(res, Known([instance_secret], CTX.node_pools)) == [Ref("compute", "big")]


def test_desired_marks_what_it_owns(examples):
    known = Known(examples, CTX.node_pools)
    service = next(r for r in examples if r.type == "service")
    db = next(r for r in examples if r.type == "database")
    want = desired(service, known, CTX, Owner("service", service.name, "retail", "uid-1"),
                   {db.resource_id: Owner("database", db.name, "retail", "uid-db")})
    assert not want.waits and not want.errors
    for o in want.owned:
        meta = o["metadata"]
        assert meta["labels"]["app.kubernetes.io/managed-by"] == MANAGED_BY
        assert meta["annotations"][OWNER_ANNOTATION] == "service:retail:orders-api"
        assert meta["ownerReferences"][0]["uid"] == "uid-1"
    # The credentials it reads belong to the Database: applied for it, marked as the Database marks them.
    assert [(o["kind"], o["metadata"]["annotations"][OWNER_ANNOTATION], o["metadata"]["ownerReferences"][0]["uid"])
            for o in want.support] == [("ExternalSecret", "database:retail:orders", "uid-db")]
    assert {o["kind"] for o in want.workspace} >= {"Namespace", "NetworkPolicy", "ServiceAccount"}


def test_database_objects_elsewhere_get_no_owner_reference_and_no_migration_job(examples):
    known = Known(examples, CTX.node_pools)
    db = next(r for r in examples if r.type == "database")
    want = desired(db, known, CTX, Owner("database", db.name, "retail", "uid-2"))
    assert "Job" not in {o["kind"] for o in want.owned}  # the runtime migrates itself
    for o in want.owned:
        same_namespace = o["metadata"]["namespace"] == "retail"
        assert ("ownerReferences" in o["metadata"]) == same_namespace, o["metadata"]


def test_compile_errors_are_reported_not_raised():
    res = Res({"name": "svc", "version": "v1", "type": "service", "workspace": "retail",
               "service": {"stack": "no-such-stack", "compute": "runnable-default", "servicePort": 80}})
    want = desired(res, Known([res], CTX.node_pools), CTX, None)
    assert want.errors and not want.owned


@pytest.mark.parametrize(("res_type", "live", "expected"), [
    ("service", [{"kind": "Deployment", "status": {"readyReplicas": 2}}], "running:2"),
    ("service", [{"kind": "Deployment", "status": {}}], "pending"),
    ("workflow", [{"kind": "Workflow", "status": {"phase": "Running"}}], "running"),
    ("workflow", [{"kind": "Workflow", "status": {"phase": "Error"}}], "failed"),
    ("workflow", [{"kind": "CronWorkflow", "spec": {"schedule": "0 2 * * *", "timezone": "Europe/Berlin"}}],
     "next:2026-12-03T01:00:00Z"),
    ("workflow", [{"kind": "CronWorkflow", "spec": {"schedule": "0 2 * * *"}, "status": {"active": [{}]}}], "running"),
    ("lakehouse", [{"kind": "Job", "status": {}}], ""),
    ("secret", [], ""),
])
def test_runtime_from_owned_objects(res_type, live, expected):
    assert st.runtime_of(res_type, live, NOW) == expected


def test_database_runtime_is_the_migration_outcome():
    assert [st.runtime_of("database", [], NOW, m) for m in (None, True, False)] == ["pending", "succeeded", "failed"]


def test_status_is_stable_while_the_outcome_holds():
    outcome = st.Outcome(st.PENDING, "WaitingForDependency", "waiting for secret retail/tok")
    first = st.build_status(outcome, 3, None, NOW)
    later = st.build_status(outcome, 3, first, datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc))
    assert st.same_status(first, later)
    ready = {c["type"]: c for c in first["conditions"]}
    assert ready["Ready"]["status"] == "False" and ready["DependenciesReady"]["reason"] == "WaitingForDependency"
    active = st.build_status(st.Outcome(st.ACTIVE, "Applied", "1 object(s) applied"), 3, first, NOW)
    assert not st.same_status(first, active) and active["phase"] == "active"


# ----- the core kernel's deployment of the runtime ------------------------------------------------------------
def test_cluster_role_covers_every_resource_crd():
    plurals = sorted(crd["spec"]["names"]["plural"] for crd in all_crds().values())
    assert plurals == sorted(RESOURCE_PLURALS)


def test_cluster_role_covers_every_kind_the_compiler_emits(examples):
    known = Known(examples, CTX.node_pools)
    rules = cluster_role_rules(RESOURCE_PLURALS)
    verbs: dict[tuple[str, str], set[str]] = {}
    for rule in rules:
        for g in rule["apiGroups"]:
            for r in rule["resources"]:
                verbs.setdefault((g, r), set()).update(rule["verbs"])
    allowed = {key for key, v in verbs.items() if {"create", "patch", "delete"} <= v}
    emitted = set()
    for res in examples:
        want = desired(res, known, CTX, None)
        for o in want.owned + want.support + want.workspace:
            group = o["apiVersion"].rsplit("/", 1)[0] if "/" in o["apiVersion"] else ""
            emitted.add((group, plural(o["kind"])))
            if o["kind"] == "Role":  # Kubernetes lets the runtime grant only what it holds
                for rule in o["rules"]:
                    for g in rule["apiGroups"]:
                        for r in rule["resources"]:
                            assert set(rule["verbs"]) <= verbs.get((g, r), set()), (g, r, rule["verbs"])
    assert emitted <= allowed, emitted - allowed
    assert GROUP in {g for rule in rules for g in rule["apiGroups"]}
    assert set(MANAGED) >= {g for g, _ in emitted}


def test_runtime_pods_are_restricted_with_requests_and_limits():
    objects = runtime_objects("cloud-kernel-system", "cloud-kernel-runtime:0.1.0", RESOURCE_PLURALS, [5432], True)
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] == 2
    assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    for c in pod["containers"]:
        assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}
        assert c["securityContext"]["allowPrivilegeEscalation"] is False
        assert c["resources"]["requests"] and c["resources"]["limits"]
    kinds = {o["kind"] for o in objects}
    assert kinds == {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment",
                     "PodDisruptionBudget", "NetworkPolicy", "Service", "ServiceMonitor"}
    policy = next(o for o in objects if o["kind"] == "NetworkPolicy")
    assert policy["spec"]["egress"][0]["ports"] == [{"protocol": "TCP", "port": 5432}]
    lease_role = next(o for o in objects if o["kind"] == "Role")
    assert lease_role["metadata"]["namespace"] == "cloud-kernel-system"  # the Lease only in its own namespace
