"""Measure `kernelctl plan` per stack: wall time of the program run and the size of what it plans.

Prints figures only; nothing here asserts a time. Usage: .venv/bin/python benchmarks/plan_benchmark.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from kernelctl.plan.report import plan_json
from kernelctl.plan.runner import run_plan

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    stacks = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))
    print(f"{'stack':<12} {'resources':>9} {'k8s objs':>8} {'plan.json':>10} {'median s':>9} {'min s':>7}")
    for stack in stacks:
        timings = []
        for _ in range(args.runs):
            start = time.perf_counter()
            result = run_plan(ROOT / "stacks" / f"Pulumi.{stack}.yaml", stack, root=ROOT)
            timings.append(time.perf_counter() - start)
        size = len(plan_json(result).encode())
        print(
            f"{stack:<12} {len(result.resources):>9} {len(result.kubernetes):>8} {size:>10} "
            f"{statistics.median(timings):>9.2f} {min(timings):>7.2f}"
        )


if __name__ == "__main__":
    main()
