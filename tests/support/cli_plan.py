"""Determinism of `kernelctl plan`, checked against the session's own plan instead of a second CLI run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kernelctl.plan.report import write_plan

ROOT = Path(__file__).resolve().parents[2]


def other_hash_seed() -> str:
    """A PYTHONHASHSEED unlike this process's (which is random unless the environment fixes it)."""
    return "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"


def written(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_cli_writes_the_session_plan(plan, tmp_path: Path) -> None:
    """`kernelctl plan` in a fresh process, with another hash seed, writes byte for byte what this session's plan
    of the same stack writes (a plan run in a process that ran other plans before: runs share no state either)."""
    write_plan(plan, tmp_path / "session")
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "kernelctl", "plan", "--stack", plan.stack, "--out", str(out)],
                          cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": other_hash_seed()},
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    files = written(out)
    assert files == written(tmp_path / "session")
    document = json.loads(files["plan.json"])
    assert document["stack"] == plan.stack and document["resources"]
    assert len(files) - 1 == len(document["kubernetes"])  # plan.json and one manifest per object
