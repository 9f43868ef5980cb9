"""Reuse of a fresh `plan.json`: `kernelctl graph` and `render --stack` read the plan `kernelctl plan` wrote
instead of running the program again, when that file is newer than everything a plan depends on.

Fresh means: `plan.json` names the same stack, and the stack file, `Pulumi.yaml`, every file of the stack's
manifests folder and every Python source of the project's packages are older than it. Anything else (a
missing or unreadable file, another stack) means "run the plan".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGES = ("infra", "cloud_kernel", "core_kernel", "user_space", "kernelctl", "policy")
DEFAULT_OUT = "plan-out"


@dataclass
class SavedPlan:
    """The parts of a plan that `graph` and `render` read (same names as `PlanResult`'s)."""

    stack: str
    resources: list[dict[str, Any]] = field(default_factory=list)
    kubernetes: list[dict[str, Any]] = field(default_factory=list)


def plan_inputs(root: Path, stack_path: Path, manifests: str | None) -> list[Path]:
    inputs = [stack_path, root / "Pulumi.yaml"]
    for package in PACKAGES:
        inputs += (root / package).rglob("*.py")
    if manifests:
        inputs += (p for p in (root / manifests).rglob("*") if p.is_file())
    return inputs


def fresh_plan(root: Path, stack: str, stack_path: Path, manifests: str | None,
               out_dir: Path | None = None) -> SavedPlan | None:
    """The saved plan of `stack` under `out_dir` (default `<root>/plan-out`) if it is fresh, else None."""
    path = (out_dir or root / DEFAULT_OUT) / "plan.json"
    try:
        made = path.stat().st_mtime
        if any(p.stat().st_mtime > made for p in plan_inputs(root, stack_path, manifests)):
            return None
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("stack") != stack:
        return None
    return SavedPlan(stack, list(document.get("resources") or []), list(document.get("kubernetes") or []))
