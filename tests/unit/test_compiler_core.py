"""Compiler behaviour: determinism, labels, stack resolution, errors and unsupported diagnostics."""

from __future__ import annotations

import copy
import random

import pytest
import yaml

from core_kernel.context import PlatformContext
from user_space.compiler import CompileFailed, compile, compile_resources
from user_space.compiler.pods import quantity, resources_for
from user_space.compiler.stacks import StackRegistry, UnknownStack, UnsupportedStack, render_template
from user_space.gitops import load_manifests
from user_space.plan_objects import load_and_compile

CTX = PlatformContext.sample()
EXAMPLES = "examples/workspaces"


@pytest.fixture(scope="module")
def example_views():
    folder = load_manifests([EXAMPLES])
    assert folder.problems == []
    return folder.views


def test_examples_compile_without_errors_or_unsupported(example_views):
    result = compile_resources(example_views, CTX)
    assert result.errors == []
    assert result.objects
    kinds = {o["kind"] for o in result.objects}
    assert {"CronWorkflow", "Deployment", "Service", "HTTPRoute", "HorizontalPodAutoscaler", "PodDisruptionBudget",
            "Job", "ExternalSecret", "PrometheusRule", "AlertmanagerConfig", "PersistentVolumeClaim", "Namespace",
            "NetworkPolicy", "ResourceQuota", "LimitRange"} <= kinds


def test_compile_is_deterministic_and_order_independent(example_views):
    first = yaml.safe_dump(compile(example_views, CTX))
    shuffled = copy.deepcopy(example_views)
    random.Random(7).shuffle(shuffled)
    assert yaml.safe_dump(compile(shuffled, CTX)) == first
    assert yaml.safe_dump(compile(example_views, CTX)) == first


def test_every_object_carries_identity_labels(example_views):
    for obj in compile(example_views, CTX):
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "cloud-kernel"
        assert "cloudkernel.io/workspace" in labels
        if obj["kind"] not in {"Namespace", "ResourceQuota", "LimitRange", "ServiceAccount", "Role", "RoleBinding",
                               "NetworkPolicy"}:
            assert obj["metadata"]["annotations"]["cloudkernel.io/resource-id"].count(":") >= 2
            assert labels["cloudkernel.io/resource-type"]


def test_no_latest_tags_in_builtin_stacks():
    for stack in StackRegistry().stacks:
        if stack.image:
            assert ":" in stack.image.rsplit("/", 1)[-1] and not stack.image.endswith(":latest"), stack.ref


def test_stack_resolution_rules():
    reg = StackRegistry()
    assert reg.resolve("flare:3.0").version == "3.0"
    assert reg.resolve("flare").version == "7.0"  # highest version without a version
    assert reg.resolve("beacon+rest").name == "beacon"
    assert reg.resolve("soda:1.0").flavor == "python"  # the only flavor
    with pytest.raises(UnsupportedStack):
        reg.resolve("scanner:2.0")
    with pytest.raises(UnknownStack, match="known:"):
        reg.resolve("nosuch:1.0")
    with pytest.raises(UnknownStack):
        reg.resolve("flare:9.9")


def test_custom_stack_shadows_and_extends_registry():
    custom = {"name": "hello-v1", "version": "v1alpha", "type": "stack", "stack": {
        "name": "hello", "version": "1.0", "reconciler": "stackManager",
        "image": {"registry": "docker.io", "repository": "library", "image": "busybox", "tag": "1.36.1"},
        "command": ["/bin/sh", "-c", "cat /etc/dataos/config/hello.txt"],
        "workflowJobConfig": {"configFileTemplate": "hello.txt: 'hi {{ .Name }} in {{ .Workspace }}'\n"}}}
    wf = {"name": "hi", "version": "v1", "type": "workflow", "workspace": "lab",
          "workflow": {"dag": [{"name": "say", "spec": {"stack": "hello:1.0", "compute": "runnable-default"}}]}}
    result = compile_resources([custom, wf], CTX)
    assert result.errors == []
    # The sample context has runner identities for public/retail/sandbox only; `lab` is told it has none.
    assert [(u.resource_id, "no cloud identity" in u.reason) for u in result.unsupported] == [("workspace:lab", True)]
    config = next(o for o in result.objects if o["kind"] == "ConfigMap" and o["metadata"]["namespace"] == "lab")
    assert config["data"] == {"hello.txt": "hi hi in lab"}
    (argo,) = [o for o in result.objects if o["kind"] == "Workflow"]
    (template,) = [t for t in argo["spec"]["templates"] if "container" in t]
    assert template["container"]["image"] == "docker.io/library/busybox:1.36.1"


def test_unknown_stack_is_a_clear_error():
    wf = {"name": "x", "version": "v1", "type": "workflow",
          "workflow": {"dag": [{"name": "a", "spec": {"stack": "mystery:1.0", "compute": "runnable-default"}}]}}
    with pytest.raises(CompileFailed, match="unknown stack 'mystery:1.0'"):
        compile([wf], CTX)


def test_unsupported_types_are_reported_not_dropped():
    lens = {"name": "saleslens", "version": "v1alpha", "type": "lens", "lens": {"compute": "runnable-default"}}
    result = compile_resources([lens], CTX)
    assert [u.resource_id for u in result.unsupported] == ["lens:v1alpha:saleslens:public"]
    assert result.objects == []


def test_stack_spec_checked_against_stack_schema():
    svc = {"name": "b", "version": "v1", "type": "service",
           "service": {"stack": "beacon+rest", "compute": "runnable-default", "stackSpec": {}}}
    with pytest.raises(CompileFailed, match="'source' is a required property"):
        compile([svc], CTX)


def test_missing_platform_service_is_a_clear_error():
    ctx = CTX.model_copy(update={"workflows": None})
    wf = {"name": "x", "version": "v1", "type": "workflow",
          "workflow": {"dag": [{"name": "a", "spec": {"stack": "container", "compute": "runnable-default",
                                                     "stackSpec": {"image": "busybox:1.36.1"}}}]}}
    with pytest.raises(CompileFailed, match="Argo Workflows"):
        compile([wf], ctx)


def test_unknown_compute_is_an_error():
    wf = {"name": "x", "version": "v1", "type": "workflow",
          "workflow": {"dag": [{"name": "a", "spec": {"stack": "container", "compute": "nowhere",
                                                     "stackSpec": {"image": "busybox:1.36.1"}}}]}}
    with pytest.raises(CompileFailed, match="compute 'nowhere'"):
        compile([wf], CTX)


def test_resources_always_have_requests_and_limits():
    r = resources_for({"requests": {"cpu": "2", "memory": "4Gi"}})
    assert quantity(r["limits"]["cpu"]) >= 2 and quantity(r["limits"]["memory"]) >= quantity("4Gi")
    r = resources_for({"limits": {"cpu": "50m"}})
    assert r["requests"]["cpu"] == "50m"


def test_template_subset_rejects_other_constructs():
    from user_space.compiler.stacks import UnsupportedTemplate

    assert render_template("a: {{ .Name }}", {"Name": "x"}) == "a: x"
    with pytest.raises(UnsupportedTemplate):
        render_template("{{ range .X }}{{ end }}", {})


def test_render_folder_invalid_manifest_reported(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: Bad_Name\nversion: v1\ntype: workflow\nworkflow: {dag: []}\n")
    loaded = load_and_compile([tmp_path], CTX)
    assert loaded.invalid and "bad.yaml" in loaded.invalid[0]


def test_compute_maps_to_workload_pool_without_general():
    from core_kernel.context import NodePool, Taint

    pools = {"system": NodePool(name="system", machine="m", labels={"cloud-kernel.io/pool": "system"}),
             "batch": NodePool(name="batch", machine="m", labels={"cloud-kernel.io/pool": "batch"},
                               taints=[Taint(key="cloud-kernel.io/spot", value="true")], spot=True)}
    ctx = CTX.model_copy(update={"node_pools": pools})
    wf = {"name": "x", "version": "v1", "type": "workflow",
          "workflow": {"dag": [{"name": "a", "spec": {"stack": "container", "compute": "runnable-default",
                                                     "stackSpec": {"image": "busybox:1.36.1"}}}]}}
    (argo,) = [o for o in compile([wf], ctx) if o["kind"] == "Workflow"]
    (template,) = [t for t in argo["spec"]["templates"] if "container" in t]
    assert template["nodeSelector"] == {"cloud-kernel.io/pool": "batch"}
    assert template["tolerations"] == [{"key": "cloud-kernel.io/spot", "effect": "NoSchedule", "operator": "Equal",
                                        "value": "true"}]


def test_lakehouse_bucket_named_after_a_platform_key_uses_that_bucket_and_the_catalog_identity():
    import json as _json

    def lakehouse(bucket: str) -> dict:
        return {"name": "lh", "version": "v1alpha", "type": "lakehouse", "workspace": "retail",
                "lakehouse": {"type": "iceberg", "compute": "runnable-default",
                              "iceberg": {"storage": {"type": "s3", "s3": {"bucket": bucket, "relativePath": "/x"}}}}}

    def warehouse_request(bucket: str) -> dict:
        objects = compile_resources([lakehouse(bucket)], CTX).objects
        (cm,) = [o for o in objects if o["kind"] == "ConfigMap" and "warehouse.json" in o.get("data", {})]
        return _json.loads(cm["data"]["warehouse.json"])

    platform = warehouse_request("raw")  # a key of the sample context's lakehouse buckets
    assert platform["storage-profile"]["bucket"] == CTX.lakehouse["raw"].split("://", 1)[1].split("/")[0]
    assert platform["storage-credential"]["credential-type"] == "aws-system-identity"
    foreign = warehouse_request("someone-elses-bucket")
    assert foreign["storage-profile"]["bucket"] == "someone-elses-bucket"
    assert "storage-credential" not in foreign
