"""The layer rules of ARCHITECTURE.md, enforced: import-linter contracts in pyproject.toml plus the
cloud-backend isolation rule, checked on the source tree itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
CLOUDS = ("aws", "gcp", "azure")


def test_import_contracts_hold() -> None:
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("cloud", [c for c in CLOUDS if (ROOT / "cloud_kernel" / c).is_dir()])
def test_cloud_backends_never_import_each_other(cloud: str) -> None:
    others = [f"cloud_kernel.{o}" for o in CLOUDS if o != cloud]
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in _imports(path) if n.startswith(tuple(others)))
        for path in (ROOT / "cloud_kernel" / cloud).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_rule_checker_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("import cloud_kernel.gcp.network\nfrom cloud_kernel.azure import cluster\n")
    assert _imports(sample) == {"cloud_kernel.gcp.network", "cloud_kernel.azure"}
