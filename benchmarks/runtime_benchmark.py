"""Measure the Resource runtime: reconcile throughput and peak memory for N Resources (default 2,000).

- in process: the real reconcile loop (validation, dependency check, compile, apply calls, status) against an
  in-memory cluster, twice: the first pass creates everything, the second finds nothing to change (the diff);
- end to end (--e2e): `kernelctl runtime run` against the local control plane (tools/engines), N custom
  resources created through the API, timed until every one reports `active`.

Prints figures only; nothing here asserts a time (goals: >= 200 Resources/s in process, >= 50/s end to end).
Usage: .venv/bin/python benchmarks/runtime_benchmark.py [--count N] [--e2e]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core_kernel.context import CONTEXT_CONFIGMAP, CONTEXT_KEY, PLATFORM_NAMESPACE, PlatformContext  # noqa: E402
from user_space.gitops import custom_resource_body  # noqa: E402
from user_space.runtime.reconciler import Body, Reconciler  # noqa: E402

# 20 workspaces: each stays well under its ResourceQuota (a workspace may hold 100 Secrets and 100 ConfigMaps).
WORKSPACES = [f"bench-{i:02d}" for i in range(20)]


def manifests(count: int) -> list[dict[str, Any]]:
    """Half key-value Secrets, half Workers that read one of them, over the workspaces."""
    out = []
    for i in range(count):
        ws = WORKSPACES[(i // 2) % len(WORKSPACES)]  # a Worker and the Secret it reads share a workspace
        if i % 2 == 0:
            out.append({"name": f"s{i}", "version": "v1", "type": "secret", "workspace": ws,
                        "secret": {"type": "key-value", "acl": "r", "data": {"TOKEN": f"t{i}"}}})
        else:
            out.append({"name": f"w{i}", "version": "v1beta", "type": "worker", "workspace": ws,
                        "worker": {"replicas": 1, "stack": "container", "compute": "runnable-default",
                                   "dataosSecrets": [{"name": f"s{i - 1}"}],
                                   "resources": {"requests": {"cpu": "10m", "memory": "16Mi"},
                                                 "limits": {"cpu": "50m", "memory": "32Mi"}},
                                   "stackSpec": {"image": "docker.io/library/busybox:1.36",
                                                 "command": ["sleep", "3600"]}}})
    return out


class MemoryCluster:
    """The Cluster interface the reconciler uses, in memory: counts applies that change something."""

    def __init__(self) -> None:
        self.objects: dict[tuple, dict[str, Any]] = {}
        self.changes = 0

    def apply(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        key = (obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"])
        if self.objects.get(key) != obj:
            self.changes += 1
            self.objects[key] = obj
        return obj

    def delete(self, *args: Any) -> bool:
        return True

    def patch_status(self, *args: Any) -> None:
        self.changes += 1


def body_of(view: dict[str, Any], i: int, status: dict[str, Any] | None = None) -> dict[str, Any]:
    body = custom_resource_body(view)
    body["metadata"].update(uid=f"uid-{i}", generation=1)
    body["status"] = status or {}
    return body


def in_process(count: int) -> None:
    views = manifests(count)
    cluster = MemoryCluster()
    context = PlatformContext.sample()
    rec = Reconciler(cluster, lambda: context)  # type: ignore[arg-type]
    bodies = [body_of(v, i) for i, v in enumerate(views)]
    for b in bodies:
        rec.observe(b)
    for label in ("first pass (creates)", "second pass (no change)"):
        cluster.changes = 0
        start = time.perf_counter()
        for b in bodies:
            rec.reconcile(Body.of(b))
        seconds = time.perf_counter() - start
        print(f"in process, {label:<24} {count} Resources in {seconds:6.2f} s = {count / seconds:7.1f} /s, "
              f"{cluster.changes} writes")
        bodies = [body_of(v, i, rec.bodies[Body.of(b).key].status) for i, (v, b) in enumerate(zip(views, bodies))]
    rec.shutdown()
    print(f"in process, peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def _control_plane():
    spec = importlib.util.spec_from_file_location("control_plane", ROOT / "tools" / "engines" / "control_plane.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["control_plane"] = module
    spec.loader.exec_module(module)
    return module


def end_to_end(count: int) -> None:
    module = _control_plane()
    if module.missing_binaries():
        print(f"end to end: skipped, engines not built ({', '.join(module.missing_binaries())}): run `make engines`")
        return
    base = Path(tempfile.mkdtemp(prefix="ck-bench-"))
    plane = module.ControlPlane(base=base / "plane", kubeconfig=base / "kubeconfig").start()
    runtime = None
    try:
        cluster = _prepare(plane.kubeconfig)
        runtime = subprocess.Popen([sys.executable, "-m", "kernelctl", "runtime", "run", "--kubeconfig",
                                    str(plane.kubeconfig), "--resync", "600"], cwd=ROOT,
                                   stdout=open(base / "runtime.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
        views = manifests(count)
        start = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda v: cluster.apply(custom_resource_body(v)), views))
        created = time.perf_counter() - start
        done, failed = _wait_settled(cluster, count)
        seconds = time.perf_counter() - start
        print(f"end to end: {count} Resources created in {created:.1f} s; {done} active ({failed} error) after "
              f"{seconds:.1f} s = {done / seconds:.1f} /s")
        print(f"end to end: runtime peak memory (VmHWM): {_peak_kib(runtime.pid) / 1024:.0f} MiB")
    finally:
        if runtime is not None:
            runtime.terminate()
            runtime.wait(60)
        plane.stop()


def _prepare(kubeconfig: Path):
    import yaml

    from user_space.compiler.index import Index
    from user_space.compiler.workspace import workspace_objects
    from user_space.runtime.cluster import Cluster, api_client

    cluster = Cluster(api_client(str(kubeconfig)), field_manager="benchmark")
    for path in sorted((ROOT / "user_space" / "crds").glob("*.yaml")):
        cluster.apply(yaml.safe_load(path.read_text()))
    time.sleep(3)  # CRDs established
    ctx = PlatformContext.sample()
    from core_kernel.scheduling import priority_class_objects

    for obj in [*priority_class_objects(), {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": PLATFORM_NAMESPACE}},
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": CONTEXT_CONFIGMAP, "namespace": PLATFORM_NAMESPACE},
                 "data": {CONTEXT_KEY: ctx.to_json()}}] + [workspace_objects(Index(ctx, []), ws)[0] for ws in WORKSPACES]:
        cluster.apply(obj)
    return cluster


def _wait_settled(cluster, count: int, timeout: float = 1800.0) -> tuple[int, int]:
    """(active, error) once every Resource is one or the other, or at the timeout."""
    deadline = time.monotonic() + timeout
    done = failed = 0
    while time.monotonic() < deadline:
        phases = [(i.get("status") or {}).get("phase") for kind in ("Secret", "Worker")
                  for i in cluster.list("kernel.cloudkernel.io/v1alpha1", kind)]
        done, failed = phases.count("active"), phases.count("error")
        if done + failed >= count:
            break
        time.sleep(2)
    return done, failed


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--e2e", action="store_true", help="Also measure against the local control plane.")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    in_process(args.count)
    if args.e2e:
        end_to_end(args.count)
    print(json.dumps({"count": args.count}))


if __name__ == "__main__":
    main()
