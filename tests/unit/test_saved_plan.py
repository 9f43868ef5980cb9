"""`graph` and `render --stack` reuse a plan.json only while it is newer than everything the plan depends on."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kernelctl.saved_plan import fresh_plan, plan_inputs

ROOT = Path(__file__).resolve().parents[2]


def test_fresh_plan_is_reused_and_a_newer_input_or_another_stack_is_not(tmp_path: Path) -> None:
    stack_path = tmp_path / "Pulumi.dev-aws.yaml"
    stack_path.write_text((ROOT / "stacks" / "Pulumi.dev-aws.yaml").read_text())
    out = tmp_path / "plan-out"
    out.mkdir()
    plan = out / "plan.json"
    plan.write_text(json.dumps({"stack": "dev-aws", "resources": [{"urn": "u"}], "kubernetes": [{"kind": "X"}]}))
    newest = max(p.stat().st_mtime for p in plan_inputs(ROOT, stack_path, "examples/workspaces"))
    os.utime(plan, (newest + 10, newest + 10))

    saved = fresh_plan(ROOT, "dev-aws", stack_path, "examples/workspaces", out)
    assert saved is not None and saved.resources == [{"urn": "u"}] and saved.kubernetes == [{"kind": "X"}]
    assert fresh_plan(ROOT, "prod-aws", stack_path, "examples/workspaces", out) is None

    os.utime(stack_path, (newest + 20, newest + 20))
    assert fresh_plan(ROOT, "dev-aws", stack_path, "examples/workspaces", out) is None
    plan.write_text("{not json")
    os.utime(plan, (newest + 30, newest + 30))
    assert fresh_plan(ROOT, "dev-aws", stack_path, "examples/workspaces", out) is None


def test_graph_reduces_implied_edges_and_speaks_dot_with_a_legend() -> None:
    from types import SimpleNamespace

    from kernelctl.plan.graph import dot, mermaid, transitive_reduction

    assert transitive_reduction({("a", "b"), ("b", "c"), ("a", "c")}) == {("a", "b"), ("b", "c")}
    assert transitive_reduction({("a", "b"), ("b", "a")}) == {("a", "b"), ("b", "a")}
    resources = [
        {"urn": u, "type": f"cloud-kernel:{layer}:{kind}", "name": u, "parent": None, "custom": False,
         "dependencies": deps, "layer": layer}
        for u, layer, kind, deps in (("net", "cloud_kernel", "Network", []), ("eks", "cloud_kernel", "Cluster", ["net"]),
                                     ("core", "core_kernel", "CoreKernel", ["eks", "net"]))]
    plan = SimpleNamespace(resources=resources)
    chart = mermaid(plan)
    assert chart.count(" --> ") == 2 and 'subgraph legend["Legend"]' in chart
    graph = dot(plan)
    assert graph.startswith("digraph plan {") and "subgraph cluster_core_kernel" in graph and graph.count(" -> ") == 2
    assert "depends on" in graph
