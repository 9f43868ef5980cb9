"""Every Helm release of every stack, checked against the chart itself (shared/charts): a vendored version,
no key the chart does not know, merged values valid against the chart's values.schema.json."""

from __future__ import annotations

import pytest

from tests.conftest import STACKS
from tests.support.chart_values import check_release

RELEASE = "kubernetes:helm.sh/v3:Release"


def releases(plan) -> list[dict]:
    return sorted((r for r in plan.resources if r["type"] == RELEASE), key=lambda r: r["urn"])


@pytest.mark.parametrize("stack", STACKS)
def test_every_release_matches_its_chart(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    found = releases(plan)
    # The local stack switches the Helm-based services off (their repositories are out of reach where it runs).
    assert found or plan.config.cloud.provider == "local", f"{stack}: no Helm release in the plan"
    problems = []
    for release in found:
        inputs = release["inputs"]
        problems += [
            f"{inputs['name']}: {p}" for p in check_release(inputs["chart"], inputs["version"], inputs.get("values") or {})
        ]
    assert problems == [], "\n".join(problems)
