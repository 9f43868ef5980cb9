"""Write `plan.json` and `manifests/`, and print the human summary of a plan."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from kernelctl.manifests import write_manifests
from kernelctl.plan.assemble import LAYER_ORDER
from kernelctl.plan.runner import PlanResult


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
    }


def plan_json(result: PlanResult) -> str:
    """Sorted keys, no timestamps: the same config gives the same bytes."""
    return json.dumps(plan_document(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_plan(result: PlanResult, out_dir: Path) -> None:
    """Write everything into a temporary folder first, then swap it in: a failed write leaves the old plan."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".plan-", dir=out_dir))
    try:
        (staging / "plan.json").write_text(plan_json(result), encoding="utf-8")
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
    console.print(
        f"[bold]Plan[/bold] for stack [cyan]{result.stack}[/cyan] ({result.cloud}, {result.config.cloud.region}, "
        f"{result.config.environment}): {len(result.resources)} resources, "
        f"{len(result.kubernetes)} Kubernetes objects"
    )
    counts = Counter((r["layer"] or "-", r["type"]) for r in result.resources)
    table = Table(title="Resources per layer and type", show_lines=False)
    table.add_column("layer")
    table.add_column("type")
    table.add_column("count", justify="right")
    order = {layer: i for i, layer in enumerate(LAYER_ORDER)}
    for (layer, type_), count in sorted(counts.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])):
        table.add_row(layer, type_, str(count))
    console.print(table)

    protected = [r for r in result.resources if r["protect"]]
    if protected:
        ptable = Table(title=f"Protected resources ({len(protected)})")
        ptable.add_column("type")
        ptable.add_column("name")
        for r in protected:
            ptable.add_row(r["type"], r["name"])
        console.print(ptable)
    else:
        console.print("Protected resources: none")

    if result.policy:
        pol = Table(title=f"Policy results ({len(result.policy)})")
        pol.add_column("level")
        pol.add_column("rule")
        pol.add_column("resource")
        pol.add_column("message")
        for p in result.policy:
            pol.add_row(p["level"], p["rule"], p["urn"].rsplit("::", 1)[-1], p["message"])
        console.print(pol)
    else:
        console.print("Policy: every rule passes")

    for warning in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    console.print(f"Wrote {out_dir / 'plan.json'} and {out_dir / 'manifests'}/")
