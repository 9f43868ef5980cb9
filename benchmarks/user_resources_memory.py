"""`kernelctl plan` of prod-aws with 2,000 user Resources: wall time and peak memory (RSS).

The manifests are examples/workspaces plus copies of its Service, Worker and Workflow under new names (each
Service on its own ingress path), up to `--resources` Resources, written to benchmarks/.generated/ (removed
after the run) and planned with a stack file that points `cloud-kernel:userSpace.manifests` there. Each plan
runs in a fresh child process, so its peak RSS is the whole CLI's. Prints figures; asserts nothing.

Usage: .venv/bin/python benchmarks/user_resources_memory.py [--resources 2000] [--stack prod-aws]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import EXAMPLES, ROOT  # noqa: E402

GENERATED = Path(__file__).resolve().parent / ".generated"
TEMPLATES = ("retail/services.yaml", "retail/worker.yaml", "retail/workflow.yaml")


def generate(count: int) -> int:
    """examples/workspaces plus renamed copies; returns the number of Resources."""
    shutil.rmtree(GENERATED, ignore_errors=True)
    shutil.copytree(EXAMPLES, GENERATED / "workspaces", ignore=shutil.ignore_patterns("*.md"))
    base = sum(
        sum(1 for d in yaml.load_all(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) if d)
        for p in EXAMPLES.rglob("*.yaml")
    )
    templates = [yaml.load((EXAMPLES / t).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) for t in TEMPLATES]
    out = GENERATED / "workspaces" / "retail" / "generated"
    out.mkdir()
    for index in range(max(0, count - base)):
        doc = dict(templates[index % len(templates)])
        doc["name"] = f"{doc['name']}-{index:05d}"
        if doc["type"] == "service" and "ingress" in doc["service"]:
            doc["service"] = {**doc["service"], "ingress": {**doc["service"]["ingress"], "path": f"/gen/{index:05d}"}}
        (out / f"{doc['name']}.yaml").write_text(yaml.dump(doc, Dumper=yaml.CSafeDumper, sort_keys=False), encoding="utf-8")
    return max(count, base)


def stack_file(stack: str) -> Path:
    document = yaml.load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    document["config"]["cloud-kernel:userSpace"]["manifests"] = str(GENERATED.relative_to(ROOT) / "workspaces")
    path = GENERATED / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.dump(document, Dumper=yaml.CSafeDumper, sort_keys=False), encoding="utf-8")
    return path


def child(stack: str, path: str) -> None:
    from kernelctl.plan.report import write_plan
    from kernelctl.plan.runner import run_plan

    result = run_plan(Path(path), stack, root=ROOT)
    write_plan(result, GENERATED / "plan-out")
    print(len(result.resources), len(result.kubernetes), len(result.warnings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--stack", default="prod-aws")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    try:
        count = generate(args.resources)
        path = stack_file(args.stack)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, __file__, "--child", args.stack, str(path)], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode:
            sys.exit(f"the plan failed:\n{done.stdout}{done.stderr}")
        resources, objects, warnings = done.stdout.split()
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{'user Resources':>14} {'resources':>9} {'k8s objs':>8} {'warnings':>8} {'wall s':>7} {'peak RSS MB':>11}")
        print(f"{count:>14} {resources:>9} {objects:>8} {warnings:>8} {seconds:>7.1f} {peak_mb:>11.0f}")
    finally:
        shutil.rmtree(GENERATED, ignore_errors=True)


if __name__ == "__main__":
    main()
