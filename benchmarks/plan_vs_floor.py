"""`kernelctl plan` per stack against the SDK floor: the same number of bare resources under Pulumi's mocks.

Plan = what `kernelctl plan --stack S` costs once the interpreter runs: read and validate the stack, run the
program against the simulated cloud, assemble the plan, write plan.json and manifests/. Floor = registering the
same number of bare resources under Pulumi's mocks, the least any program of that size costs. Both run in one
process, interleaved, after one warm-up each (imports paid once, as in the CLI). Prints medians of wall time
and, beside them, of the process's CPU time (steadier on a shared machine). Asserts nothing.

Usage: .venv/bin/python benchmarks/plan_vs_floor.py [--runs 5] [--stack prod-aws ...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, interleaved_wall_cpu, sdk_floor, stacks  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stack", action="append", help="a stack name (default: every stack file)")
    args = parser.parse_args()

    started = time.perf_counter()
    from kernelctl.plan.report import write_plan
    from kernelctl.plan.runner import run_plan

    print(f"imports of the plan machinery: {time.perf_counter() - started:.2f} s (paid once per CLI run)")
    print(f"{'stack':<10} {'resources':>9} {'plan s':>8} {'floor s':>8} {'plan/floor':>10} {'CPU: plan/floor (s)':>22}")
    with tempfile.TemporaryDirectory() as out:
        for stack in args.stack or stacks():
            stack_file = ROOT / "stacks" / f"Pulumi.{stack}.yaml"

            def plan() -> int:
                result = run_plan(stack_file, stack, root=ROOT)
                write_plan(result, Path(out) / stack)
                return len(result.resources)

            count = plan()  # warm-up, and the resource count the floor registers
            sdk_floor(count)
            medians = interleaved_wall_cpu(args.runs, plan=plan, floor=lambda: sdk_floor(count))
            (plan_s, plan_cpu), (floor_s, floor_cpu) = medians["plan"], medians["floor"]
            cpu = f"{plan_cpu / floor_cpu:.2f} ({plan_cpu:.2f}, {floor_cpu:.2f})"
            print(f"{stack:<10} {count:>9} {plan_s:>8.2f} {floor_s:>8.2f} {plan_s / floor_s:>10.2f} {cpu:>22}")


if __name__ == "__main__":
    main()
