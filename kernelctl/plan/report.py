"""Write `plan.json` and `manifests/`, and print the human summary of a plan."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from rich.console import Console

from kernelctl.manifests import write_manifests
from kernelctl.plan.runner import PlanResult
from kernelctl.plan.summary import WIDTH, _fit, plan_summary, summary_lines


def plan_document(result: PlanResult) -> dict[str, Any]:
    return {
        "stack": result.stack,
        "project": result.project,
        "cloud": result.cloud,
        "resources": result.resources,
        "outputs": result.outputs,
        "kubernetes": result.kubernetes,
        "policy": result.policy,
        "warnings": result.warnings,
        "summary": plan_summary(result),
    }


JSON_OPTIONS: dict[str, Any] = {"indent": 2, "sort_keys": True, "ensure_ascii": False}


def plan_json(result: PlanResult) -> str:
    """Sorted keys, no timestamps: the same config gives the same bytes."""
    return json.dumps(plan_document(result), **JSON_OPTIONS) + "\n"


def _write_plan_json(result: PlanResult, path: Path) -> None:
    """The bytes of `plan_json`, streamed to the file: a plan of thousands of Resources is never one string."""
    with path.open("w", encoding="utf-8") as stream:
        json.dump(plan_document(result), stream, **JSON_OPTIONS)
        stream.write("\n")


def write_plan(result: PlanResult, out_dir: Path) -> None:
    """Write everything into a temporary folder first, then swap it in: a failed write leaves the old plan."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".plan-", dir=out_dir))
    try:
        _write_plan_json(result, staging / "plan.json")
        manifests = staging / "manifests"
        manifests.mkdir()
        write_manifests(result.kubernetes, manifests)
        old_manifests = out_dir / "manifests"
        if old_manifests.exists():
            shutil.rmtree(old_manifests)
        os.replace(manifests, old_manifests)
        os.replace(staging / "plan.json", out_dir / "plan.json")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def print_summary(result: PlanResult, console: Console, out_dir: Path) -> None:
    """The summary of kernelctl/plan/summary.py, then each policy finding and warning (wrapped, never cut)."""
    console.print(_fit(f"Plan for stack {result.stack} ({result.cloud}, {result.config.cloud.region}, "
                       f"{result.config.environment})"), markup=False, highlight=False)
    console.print(f"{len(result.resources)} resources, {len(result.kubernetes)} Kubernetes objects",
                  markup=False, highlight=False)
    for line in summary_lines(plan_summary(result)):
        console.print(line, markup=False, highlight=False)
    print_deploy_estimate(result, console)
    for p in result.policy:
        console.print(f"  [{p['level']}] {p['rule']}: {p['urn'].rsplit('::', 1)[-1]}", markup=False, highlight=False)
        for line in textwrap.wrap(p["message"], WIDTH - 6):
            console.print(f"      {line}", markup=False, highlight=False)
    for warning in result.warnings:
        for index, line in enumerate(textwrap.wrap(warning, WIDTH - 9)):
            console.print(("warning: " if index == 0 else "         ") + line, markup=False, highlight=False)
    where = os.path.relpath(out_dir) if not os.path.relpath(out_dir).startswith("../..") else str(out_dir)
    console.print(f"Wrote {os.path.join(where, 'plan.json')} and {os.path.join(where, 'manifests')}/",
                  markup=False, highlight=False)


def print_deploy_estimate(result: PlanResult, console: Console) -> None:
    """The estimated `pulumi up` time, its critical path, and the irreducible chain (kernelctl/plan/critical_path.py)."""
    from kernelctl.plan.critical_path import estimate, minutes

    found = estimate(result.resources)
    heading = (f"Estimated pulumi up: {minutes(found.seconds)}; irreducible chain: "
               f"{minutes(found.irreducible_seconds)} ({found.ratio:.2f}x). Critical path:")
    for line in textwrap.wrap(heading, WIDTH):
        console.print(line, markup=False, highlight=False)
    for step in found.path:
        if step.seconds:
            text = f"{minutes(step.finish):>13} +{step.seconds:>4.0f} s {step.type} {step.name}"
            for index, line in enumerate(textwrap.wrap(text, WIDTH - 2, subsequent_indent=" " * 22)):
                console.print("  " + line, markup=False, highlight=False)
