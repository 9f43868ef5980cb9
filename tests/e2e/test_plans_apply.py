"""Every Kubernetes object of the AWS and GCP plans, applied for real to the local control plane.

The API server is the judge: schema (built-in kinds and the official CRDs from ../shared), admission (Pod
Security "restricted" on the namespaces that ask for it, NamespaceLifecycle, ServiceAccount, quotas), and then
the controller manager turning Deployments, Jobs and CronJobs into Pods that admission checks again.
"""

from __future__ import annotations

import base64
import copy
import re
from typing import Any

import pytest

from tests.conftest import PLATFORM_STACKS
from tests.support.engines import custom_kinds, needed_crds, running_control_plane

pytestmark = pytest.mark.e2e

STACKS = PLATFORM_STACKS  # every cloud stack with the whole platform on
REDACTED = "[secret]"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}


def unredacted(obj: dict[str, Any]) -> dict[str, Any]:
    """The plan shows secret values as "[secret]"; the engine would send the real ones. Put a value of the right
    shape back (base64 in a Secret's `data`) so the API server judges the object, not the redaction."""
    def walk(value: Any, key: str | None, in_secret_data: bool) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k, in_secret_data or (obj.get("kind") == "Secret" and k == "data")) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key, in_secret_data) for v in value]
        if value == REDACTED:
            if obj.get("kind") == "Secret" and key in ("data", "stringData"):
                return {}
            return base64.b64encode(b"redacted").decode() if in_secret_data else "redacted"
        return value

    return walk(copy.deepcopy(obj), None, False)


def apply_order(obj: dict[str, Any]) -> int:
    """What `pulumi up` orders through dependencies: definitions and namespaces first, workloads (whose Pods need
    the priority classes, service accounts, quotas and config around them) last."""
    if obj["kind"] in WORKLOAD_KINDS:
        return 3
    return {"CustomResourceDefinition": 0, "Namespace": 1}.get(obj["kind"], 2)


def crds_installed(cluster) -> set[tuple[str, str]]:
    crds = cluster.get_json("crd")["items"]
    return {(c["spec"]["group"], c["spec"]["names"]["kind"]) for c in crds}


class Applied:
    """One stack's plan applied to a control plane of its own (a stack is a cluster)."""

    def __init__(self, stack: str, cluster, crds: set, objects: list, refused: list[str]):
        self.stack, self.cluster, self.crds, self.objects, self.refused = stack, cluster, crds, objects, refused


@pytest.fixture(scope="module", params=STACKS)
def applied(request, stack_plan, crd_snapshots):
    stack = request.param
    objects = sorted((unredacted(o) for o in stack_plan(stack).kubernetes), key=apply_order)
    with running_control_plane(needed_crds(objects)[0], snapshots=crd_snapshots) as cluster:
        refused = cluster.apply(objects, field_manager="e2e")  # in apply order
        yield Applied(stack, cluster, crds_installed(cluster), objects, refused)


def test_every_object_of_the_plan_is_accepted(applied):
    stack, objects, refused, crds = applied.stack, applied.objects, applied.refused, applied.crds
    assert objects, f"{stack}: the plan has no Kubernetes object"
    missing_crds = sorted(f"{group}/{kind}" for group, kind in custom_kinds(objects) - crds)
    assert missing_crds == [], f"{stack}: kinds with no CRD to check them against: {missing_crds}"
    assert refused == [], f"{stack}: the API server refused:\n" + "\n".join(refused)


def test_pod_templates_pass_pod_security_restricted(applied):
    """A Pod from every workload's template, created with a server-side dry run: the same admission chain
    (Pod Security of its namespace, service account, quotas and limit ranges) a controller's Pod goes through.
    Every refused Pod is reported by name; the others go on."""
    stack, objects, control_plane = applied.stack, applied.objects, applied.cluster
    pods = []
    for obj in objects:
        if obj["kind"] not in WORKLOAD_KINDS:
            continue
        spec = obj["spec"]
        template = spec["jobTemplate"]["spec"]["template"] if obj["kind"] == "CronJob" else spec["template"]
        pods.append({"apiVersion": "v1", "kind": "Pod",
                     "metadata": {"name": f"e2e-{obj['kind'].lower()}-{obj['metadata']['name']}"[:63].rstrip("-"),
                                  "namespace": obj["metadata"].get("namespace", "default"),
                                  "labels": template.get("metadata", {}).get("labels", {})},
                     "spec": template["spec"]})
    assert pods, f"{stack}: the plan has no workload"
    refused = control_plane.dry_run_create(pods)
    assert refused == [], f"{stack}: pods refused:\n" + "\n".join(refused)


def test_controllers_create_admitted_pods(applied):
    """The controller manager creates the Pods of every Deployment and of a Job run from every CronJob;
    no controller reports a refused Pod (FailedCreate)."""
    objects, control_plane = applied.objects, applied.cluster
    deployments = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects if o["kind"] == "Deployment"}
    cronjobs = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects if o["kind"] == "CronJob"}
    for namespace, name in sorted(cronjobs):
        job = re.sub(r"[^a-z0-9-]", "", f"e2e-{name}")[:52]
        control_plane.kubectl("create", "job", job, f"--from=cronjob/{name}", "-n", namespace)

    def failed_creates() -> list[str]:
        events = control_plane.get_json("events", "-A", "--field-selector=reason=FailedCreate")["items"]
        return sorted({f"{e['involvedObject']['kind']} {e['metadata']['namespace']}/{e['involvedObject']['name']}: "
                       f"{e['message']}" for e in events})

    def pods_by_owner_prefix() -> set[tuple[str, str]]:
        pods = control_plane.get_json("pods", "-A")["items"]
        return {(p["metadata"]["namespace"], p["metadata"].get("generateName", "")) for p in pods}

    assert deployments, f"{applied.stack}: the plan has no Deployment"

    def all_started() -> bool:
        owners = pods_by_owner_prefix()
        started = {(ns, name) for ns, name in deployments if any(o[0] == ns and o[1].startswith(f"{name}-")
                                                                  for o in owners)}
        return len(started) == len(deployments) or bool(failed_creates())

    control_plane.wait_for("the controllers to create pods", all_started, timeout=120)
    assert failed_creates() == []
