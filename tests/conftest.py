"""Shared fixtures: one offline plan per stack file for the whole session (the program runs once per stack)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STACKS = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))


def _all_core_services(stack: str) -> bool:
    import yaml

    core = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"].get("cloud-kernel:core", {})
    return not any(isinstance(v, dict) and v.get("enabled") is False for v in core.values())


# Stacks with every core service on (the cloud stacks; `local` switches the Helm-based ones off): the
# cross-layer wiring of routes, secrets, monitoring and policies is checked on these.
PLATFORM_STACKS = [stack for stack in STACKS if _all_core_services(stack)]


@lru_cache(maxsize=None)
def _plan(stack: str):
    from kernelctl.plan.runner import run_plan

    return run_plan(ROOT / "stacks" / f"Pulumi.{stack}.yaml", stack, root=ROOT)


@pytest.fixture(scope="session")
def stack_plan():
    """`stack_plan("dev-aws")` -> PlanResult, computed once per session."""
    return _plan
