"""Bodies of `kernelctl validate`, `kernelctl crds` and `kernelctl schemas` (wired in kernelctl/cli.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from kernelctl.errors import EXIT_USAGE, Fail
from user_space.model.load import LoadedResource, load_paths, manifest_files


def check_paths(paths: Sequence[Path]) -> None:
    """Every path exists, and together they hold at least one manifest file (exit 2 otherwise)."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise Fail(f"no such file or folder: {', '.join(missing)}", EXIT_USAGE)
    if not manifest_files(paths):
        raise Fail(f"no manifest (*.yaml, *.yml) in {', '.join(map(str, paths))}", EXIT_USAGE)


def validation_report(paths: Sequence[Path], interpolate: bool = True, context=None) -> list[LoadedResource]:
    """Every Resource under `paths`, checked alone and across the folder (dangling references, the same
    Resource twice); an unset `${VAR}` is an error unless interpolation is off. Computes resolve against
    `context`'s node pools when a `PlatformContext` is given."""
    from user_space.references import check_loaded

    check_paths(paths)
    results = load_paths(paths, interpolate=interpolate, strict_env=interpolate)
    check_loaded(results, context)
    return results


def as_json(results: list[LoadedResource]) -> str:
    """One JSON array, one object per Resource (a file that does not parse is one entry)."""
    rows = [{
        "file": r.file, "line": r.line, "type": r.type, "name": r.name, "ok": r.ok,
        "errors": [{"path": e.path, "message": e.message, **({"line": e.line} if e.line else {})} for e in r.errors],
    } for r in results]
    return json.dumps(rows, indent=2, sort_keys=True) + "\n"


def as_lines(results: list[LoadedResource]) -> list[str]:
    """`FILE:LINE type/name: OK`, or one line per error: `FILE:LINE type/name: path: message`."""
    lines: list[str] = []
    for r in results:
        label = f"{r.type or '?'}/{r.name or '?'}"
        if r.ok:
            lines.append(f"{r.file}:{r.line} {label}: OK")
        for e in r.errors:
            where = f"{e.path}: " if e.path else ""
            lines.append(f"{r.file}:{e.line or r.line} {label}: {where}{e.message}")
    return lines


def write_generated(files: dict[str, str], out_dir: Path) -> list[Path]:
    """Write one file each under `out_dir`, removing generated files of the same suffix that are stale."""
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = Path(next(iter(files))).suffix
    for stale in out_dir.glob(f"*{suffix}"):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name, text in files.items():
        target = out_dir / name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def crds_text() -> str:
    """Every CRD as one multi-document YAML stream."""
    return "".join("---\n" + text for text in crd_files().values())


def schemas_text() -> str:
    """Every JSON Schema in one JSON object keyed by type."""
    from user_space.json_schemas import resource_schema
    from user_space.model.registry import MODELS

    return json.dumps({t: resource_schema(t) for t in sorted(MODELS)}, indent=2, sort_keys=True) + "\n"


def crd_files() -> dict[str, str]:
    from user_space.crds import all_crds, dump

    return {name: dump(obj) for name, obj in all_crds().items()}


def schema_files() -> dict[str, str]:
    from user_space.json_schemas import all_schemas

    return all_schemas()
