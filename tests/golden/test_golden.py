"""Golden files of the compiler: tests/golden/<type>/<case>.yaml compiles (against PlatformContext.sample())
to exactly <case>.expected.yaml (the objects, then the Unsupported diagnostics).

Refresh after an intended change: `UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/golden` (or `make golden`),
then review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core_kernel.context import PlatformContext
from user_space.plan_objects import dump_yaml, load_and_compile

HERE = Path(__file__).resolve().parent
CASES = sorted(p for p in HERE.glob("*/*.yaml") if not p.name.endswith(".expected.yaml"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def rendered(case: Path) -> str:
    loaded = load_and_compile([case], PlatformContext.sample())
    assert loaded.invalid == [], loaded.invalid
    result = loaded.result
    assert result.errors == [], [str(e) for e in result.errors]
    doc = {"objects": result.objects, "unsupported": [str(u) for u in result.unsupported]}
    return dump_yaml(doc)


def test_every_resource_type_has_a_golden_case():
    types = {p.parent.name for p in CASES}
    assert {"workflow", "service", "worker", "volume", "secret", "instance-secret", "depot", "database", "lakehouse",
            "policy", "grant", "monitor", "pager", "bundle", "cluster", "compute", "stack", "lens"} <= types


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_golden(case: Path):
    expected_path = case.with_suffix(".expected.yaml")
    text = rendered(case)
    if UPDATE or not expected_path.exists():
        expected_path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{expected_path} did not exist; written now, review and commit it")
    assert text == expected_path.read_text(encoding="utf-8"), (
        f"{case} compiles differently from {expected_path.name}; if intended, run UPDATE_GOLDEN=1 pytest tests/golden")
