"""The recording monitor and the plan writer, on a small program with known shape."""

from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random
import pytest
import yaml

from kernelctl.plan.graph import mermaid
from kernelctl.plan.report import plan_json, write_plan
from kernelctl.plan.runner import ProgramError, run_plan

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "stacks" / "Pulumi.dev-aws.yaml"
PREFIX = "urn:pulumi:dev-aws::cloud-kernel::"


class Toy(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:Toy", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        password = random.RandomPassword(
            f"{name}-password",
            length=24,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True, ignore_changes=["length"])),
        )
        provider = k8s.Provider(f"{name}-k8s", kubeconfig=pulumi.Output.secret("apiVersion: v1"), opts=child)
        namespace = k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata={"name": "toy"},
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=provider,
                retain_on_delete=True,
                aliases=[pulumi.Alias(name="old-ns")],
            ),
        )
        k8s.core.v1.Secret(
            f"{name}-secret",
            metadata={"name": "creds", "namespace": namespace.metadata["name"]},
            string_data={"password": password.result, "user": "admin"},
            opts=pulumi.ResourceOptions(parent=self, provider=provider, delete_before_replace=True),
        )
        self.register_outputs({})
        pulumi.export("password", password.result)
        pulumi.export("namespace", namespace.metadata["name"])


def toy_program() -> None:
    Toy("toy")


@pytest.fixture(scope="module")
def plan():
    return run_plan(STACK, "dev-aws", root=ROOT, program=toy_program)


def entry(plan, name: str) -> dict:
    return next(r for r in plan.resources if r["name"] == name)


def test_records_parent_provider_and_layer(plan) -> None:
    ns = entry(plan, "toy-ns")
    assert ns["type"] == "kubernetes:core/v1:Namespace"
    assert ns["parent"] == PREFIX + "pulumi:pulumi:Stack$cloud-kernel:core:Toy::toy"
    assert ns["provider"] == PREFIX + "cloud-kernel:core:Toy$pulumi:providers:kubernetes::toy-k8s"
    assert ns["layer"] == "core_kernel"
    assert entry(plan, "toy")["custom"] is False


def test_records_dependencies_from_properties(plan) -> None:
    secret = entry(plan, "toy-secret")
    assert PREFIX + "cloud-kernel:core:Toy$kubernetes:core/v1:Namespace::toy-ns" in secret["dependencies"]
    assert PREFIX + "cloud-kernel:core:Toy$random:index/randomPassword:RandomPassword::toy-password" in secret["dependencies"]


def test_records_resource_options(plan) -> None:
    password = entry(plan, "toy-password")
    assert password["protect"] is True and password["ignore_changes"] == ["length"]
    ns = entry(plan, "toy-ns")
    assert ns["retain_on_delete"] is True and ns["aliases"], ns
    assert entry(plan, "toy-secret")["delete_before_replace"] is True


def test_secrets_are_redacted_with_their_paths(plan) -> None:
    secret = entry(plan, "toy-secret")
    assert secret["inputs"]["stringData"] == {"password": "[secret]", "user": "[secret]"}  # key by key
    assert secret["secret_paths"] == ["stringData.password", "stringData.user"]
    provider = entry(plan, "toy-k8s")
    assert provider["inputs"]["kubeconfig"] == "[secret]"
    assert plan.outputs == {"namespace": "toy", "password": "[secret]"}
    text = plan_json(plan)
    generated = plan.registrations  # the simulated password must appear nowhere in the plan
    assert "apiVersion: v1" not in text and generated


def test_kubernetes_objects_and_manifests(plan, tmp_path: Path) -> None:
    kinds = [(o["kind"], o["metadata"]["name"]) for o in plan.kubernetes]
    assert kinds == [("Namespace", "toy"), ("Secret", "creds")]
    write_plan(plan, tmp_path)
    document = json.loads((tmp_path / "plan.json").read_text())
    assert set(document) >= {"stack", "project", "cloud", "resources", "outputs", "kubernetes", "policy"}
    assert document["project"] == "cloud-kernel" and document["cloud"] == "aws"
    written = sorted(p.relative_to(tmp_path / "manifests").as_posix() for p in (tmp_path / "manifests").rglob("*.yaml"))
    assert written == ["_cluster/namespace.core-toy.yaml", "toy/secret.core-creds.yaml"]
    assert yaml.safe_load((tmp_path / "manifests" / "toy" / "secret.core-creds.yaml").read_text())["stringData"] == {"password": "[secret]", "user": "[secret]"}


def test_rewrite_replaces_stale_manifests(plan, tmp_path: Path) -> None:
    stale = tmp_path / "manifests" / "old" / "x.yaml"
    stale.parent.mkdir(parents=True)
    stale.write_text("stale")
    write_plan(plan, tmp_path)
    assert not stale.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".plan-")]


def test_same_program_same_bytes(plan) -> None:
    again = run_plan(STACK, "dev-aws", root=ROOT, program=toy_program)
    assert plan_json(again) == plan_json(plan)


def test_graph_has_layer_subgraph_and_component(plan) -> None:
    chart = mermaid(plan)
    assert chart.startswith("flowchart TB\n")
    assert 'subgraph core_kernel["Core kernel"]' in chart
    assert '["Toy<br/>toy"]' in chart


def test_duplicate_urns_are_reported() -> None:
    def twice() -> None:
        random.RandomPassword("same", length=8)
        random.RandomPassword("same", length=9)

    result = run_plan(STACK, "dev-aws", root=ROOT, program=twice)
    assert any("duplicate URN" in w for w in result.warnings)


def test_program_errors_surface_with_their_message() -> None:
    def broken() -> None:
        raise pulumi.RunError("the network is too small")

    with pytest.raises(ProgramError, match="the network is too small"):
        run_plan(STACK, "dev-aws", root=ROOT, program=broken)


def test_an_output_failing_after_the_program_returned_surfaces_with_its_message() -> None:
    # The driver's wait for pending outputs (`_then_settle`) stops at the first failed one and leaves it to the
    # SDK's own wait, which reports it.
    def taken(_: int) -> None:
        raise pulumi.RunError("the bucket name is taken")

    def late() -> None:
        pulumi.Output.from_input(1).apply(taken)
        random.RandomPassword("ok", length=9)

    with pytest.raises(ProgramError, match="the bucket name is taken"):
        run_plan(STACK, "dev-aws", root=ROOT, program=late)


def test_runs_leave_the_collector_as_they_found_it() -> None:
    # The driver hides the objects that exist before a run from the collector while it runs (gc.freeze): once
    # a run is over, ok or failed, garbage from before it must be collectable again, or every plan run in one
    # process (tests, the benchmarks) would keep the previous ones' garbage for good.
    class Cycle:
        pass

    def garbage() -> weakref.ref:
        cycle = Cycle()
        cycle.itself = cycle
        return weakref.ref(cycle)

    def broken() -> None:
        raise pulumi.RunError("the network is too small")

    thresholds = gc.get_threshold()
    before_ok = garbage()
    run_plan(STACK, "dev-aws", root=ROOT, program=toy_program)
    before_failed = garbage()
    with pytest.raises(ProgramError):
        run_plan(STACK, "dev-aws", root=ROOT, program=broken)
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds
    gc.collect()
    assert before_ok() is None and before_failed() is None


def test_missing_explicit_provider_is_flagged_when_defaults_are_disabled(plan) -> None:
    # dev-aws disables every default provider; the toy's RandomPassword has none, its Namespace has one.
    flagged = [w for w in plan.warnings if "default random provider is disabled" in w]
    assert flagged == [
        "no explicit provider, and the default random provider is disabled: "
        + PREFIX + "cloud-kernel:core:Toy$random:index/randomPassword:RandomPassword::toy-password"
    ]
