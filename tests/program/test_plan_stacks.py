"""The whole program for every stack file, as `kernelctl plan` runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, STACKS
from tests.support.cli_plan import assert_cli_writes_the_session_plan

KERNELCTL = [sys.executable, "-m", "kernelctl"]


@pytest.mark.parametrize("stack", STACKS)
def test_plan_has_every_layer_and_no_gaps(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    layers = {r["layer"] for r in plan.resources}
    assert {"cloud_kernel", "core_kernel", "user_space"} <= layers, layers
    assert None not in layers
    assert plan.warnings == [], "the simulated cloud must answer every type the program uses"


@pytest.mark.parametrize("stack", STACKS)
def test_no_mandatory_policy_fails(stack_plan, stack: str) -> None:
    assert stack_plan(stack).failed_mandatory_policies == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_exports_the_contract_with_a_secret_kubeconfig(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    outputs = plan.outputs
    assert outputs["kubeconfig"] == "[secret]"
    assert outputs["cloud"] == plan.config.cloud.provider and outputs["clusterName"]


def test_cli_plan_is_deterministic(stack_plan, tmp_path: Path) -> None:
    assert_cli_writes_the_session_plan(stack_plan("dev-aws"), tmp_path)


def test_invalid_stack_exits_2_without_traceback(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    text = (ROOT / "stacks" / "Pulumi.dev-aws.yaml").read_text().replace("maxSize: 5", "maxSize: -1")
    (stacks / "Pulumi.broken.yaml").write_text(text)
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    proc = subprocess.run([*KERNELCTL, "plan", "--stack", "broken"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "stacks/Pulumi.broken.yaml: cloud-kernel:cloud.nodePools.batch.maxSize:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_graph_shows_three_layers_and_cross_layer_edges(stack_plan, tmp_path: Path) -> None:
    from kernelctl.plan.graph import mermaid

    chart = mermaid(stack_plan("dev-aws"))
    for layer in ('subgraph cloud_kernel["Cloud kernel"]', 'subgraph core_kernel["Core kernel"]', 'subgraph user_space["User space"]'):
        assert layer in chart
    ids = {line.split("[")[0].strip(): line for line in chart.splitlines() if '["' in line and "subgraph" not in line}
    edges = [line.strip().split(" --> ") for line in chart.splitlines() if " --> " in line]
    assert edges and all(a in ids and b in ids for a, b in edges)
    # The core kernel waits for the cloud kernel's nodes: some edge goes from a cloud component to a core one.
    cloud = {n for n, line in ids.items() if "CloudKernel" in line or "NodePool" in line or "ClusterAddons" in line}
    core = {n for n, line in ids.items() if any(k in line for k in ("CertManager", "Monitoring", "Workflows", "Namespaces"))}
    assert any(a in cloud and b in core for a, b in edges)
    out = tmp_path / "graph.mmd"
    proc = subprocess.run([*KERNELCTL, "graph", "--stack", "dev-aws", "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == chart
