"""Helpers the benchmark scripts share: interleaved timing, the SDK floor, generated manifest trees.

Nothing here asserts a time; the scripts print figures (see README.md, "Performance")."""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "workspaces"


def stacks() -> list[str]:
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))


def interleaved(runs: int, **subjects: Callable[[], object]) -> dict[str, float]:
    """Median seconds of each subject, run in turn `runs` times (A B A B ...), so a slow moment of the
    machine weighs on every subject alike."""
    return {name: wall for name, (wall, _) in interleaved_wall_cpu(runs, **subjects).items()}


def interleaved_wall_cpu(runs: int, **subjects: Callable[[], object]) -> dict[str, tuple[float, float]]:
    """As `interleaved`, with the median CPU time of the process beside the wall time: on a shared machine
    the CPU time moves less with the other jobs' load."""
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in subjects}
    for _ in range(runs):
        for name, subject in subjects.items():
            wall, cpu = time.perf_counter(), time.process_time()
            subject()
            timings[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {
        name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
        for name, values in timings.items()
    }


def sdk_floor(count: int) -> None:
    """The least any Pulumi program of `count` resources costs: register `count` bare custom resources
    (no inputs, no outputs read) under Pulumi's own mocks, driven exactly as the plan drives the program."""
    import pulumi
    from pulumi.runtime.mocks import MockMonitor, Mocks

    from kernelctl.plan.runner import execute

    class Bare(Mocks):
        def new_resource(self, args):  # type: ignore[no-untyped-def]
            return f"{args.name}-id", {}

        def call(self, args):  # type: ignore[no-untyped-def]
            return {}

    def program() -> None:
        for index in range(count):
            pulumi.CustomResource("bench:index:Bare", f"r{index}", {})

    execute(program, project="bench", stack="floor", monitor=MockMonitor(Bare()))


def copy_examples(target: Path, copies: int) -> int:
    """`copies` copies of examples/workspaces under `target` (copy-0000/, copy-0001/, ...): real manifests,
    `file:` references included. Returns the number of Resource documents written."""
    per_copy = sum(_documents(p) for p in EXAMPLES.rglob("*") if p.suffix in (".yaml", ".yml"))
    for index in range(copies):
        shutil.copytree(EXAMPLES, target / f"copy-{index:04d}", ignore=shutil.ignore_patterns("*.md"))
    return per_copy * copies


def _documents(path: Path) -> int:
    import yaml

    return sum(1 for d in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) if d)
