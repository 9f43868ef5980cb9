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


def context_for(plan: Any | None) -> PlatformContext:
    """The platform context of a stack's offline plan (`PlanResult`), or the documented sample without one."""
    if plan is None:
        return PlatformContext.sample()
    from user_space.plan_objects import context_from_objects

    return context_from_objects(plan.kubernetes)


def render(paths: list[Path], context: PlatformContext, *, reveal_secrets: bool = False) -> RenderOutcome:
    """Compile `paths` (checked as `validate` checks them, references included) against `context`; Secret
    values read "[secret]" unless `reveal_secrets`."""
    from user_space.plan_objects import load_and_compile, redact_secrets

    loaded = load_and_compile(paths, context)
    outcome = RenderOutcome(invalid=loaded.invalid)
    if outcome.invalid:
        return outcome
    result = loaded.result
    outcome.objects = result.objects if reveal_secrets else redact_secrets(result.objects)
    outcome.errors = [str(e) for e in result.errors]
    outcome.unsupported = [str(u) for u in result.unsupported]
    return outcome


def to_yaml_stream(objects: list[dict[str, Any]]) -> str:
    from kernelctl.manifests import canonical
    from user_space.plan_objects import dump_yaml

    return "".join("---\n" + dump_yaml(canonical(o)) for o in objects)


