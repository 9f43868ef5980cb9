"""`kernelctl render`: compile Resource manifests to the Kubernetes objects they become.

The context comes from the stack's offline plan (the core kernel's `platform-context` ConfigMap) with
`--stack`, else from the documented `PlatformContext.sample()`. Invalid Resources are reported the way
`validate` reports them (exit 1); unsupported ones are listed on stderr, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core_kernel.context import PlatformContext


@dataclass
class RenderOutcome:
    objects: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.invalid or self.errors)


def context_for(stack: str | None, stack_path: Path | None = None) -> PlatformContext:
    if stack is None:
        return PlatformContext.sample()
    from kernelctl.plan.runner import run_plan
    from user_space.plan_objects import context_from_objects

    result = run_plan(stack_path or Path("stacks") / f"Pulumi.{stack}.yaml", stack)
    return context_from_objects(result.kubernetes)


def render(paths: list[Path], context: PlatformContext) -> RenderOutcome:
    from user_space.plan_objects import load_and_compile

    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
    loaded = load_and_compile(paths, context)
    outcome = RenderOutcome(invalid=loaded.invalid)
    if outcome.invalid:
        return outcome
    result = loaded.result
    outcome.objects = result.objects
    outcome.errors = [str(e) for e in result.errors]
    outcome.unsupported = [str(u) for u in result.unsupported]
    return outcome


def to_yaml_stream(objects: list[dict[str, Any]]) -> str:
    from user_space.plan_objects import dump_yaml

    return "".join("---\n" + dump_yaml(o) for o in objects)


