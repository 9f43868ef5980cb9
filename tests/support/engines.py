"""The real engines for the end-to-end tests: the control plane of tools/engines/control_plane.py and a kubectl
bound to it. No kubelet: pods are admitted (Pod Security enforced), scheduled nowhere and never run."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_CRDS = ROOT.parent / "shared" / "schemas" / "crds"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "engines" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


control_plane_module = _load("control_plane")


class Cluster:
    """A started control plane and a kubectl bound to it."""

    def __init__(self, plane: Any):
        self.plane = plane
        self.kubeconfig = plane.kubeconfig
        self.kubectl_bin = plane.bin_dir / "kubectl"

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(self.kubectl_bin), f"--kubeconfig={self.kubeconfig}", *args], input=stdin,
                                capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed:\n{result.stderr}")
        return result

    def get_json(self, *args: str) -> dict[str, Any]:
        return json.loads(self.kubectl("get", "-o", "json", *args).stdout)

    def apply(self, objects: list[dict[str, Any]], *, field_manager: str = "e2e") -> subprocess.CompletedProcess:
        """Server-side apply, one document per object, all at once; kubectl reports each refusal by name."""
        body = "\n".join(json.dumps({"apiVersion": "v1", "kind": "List", "items": [o]}) for o in objects)
        return self.kubectl("apply", "--server-side", "--force-conflicts", f"--field-manager={field_manager}",
                            "-f", "-", stdin=body, check=False)

    def install_crds(self, paths: list[Path]) -> None:
        files = sorted({f for p in paths for f in (sorted(p.rglob("*.yaml")) if p.is_dir() else [p])})
        args = [a for f in files for a in ("-f", str(f))]
        self.kubectl("apply", "--server-side", "--force-conflicts", *args)
        self.kubectl("wait", "--for=condition=Established", "--timeout=120s", *args)

    def wait_for(self, what: str, predicate, timeout: float = 60.0, interval: float = 0.5):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(interval)


@contextlib.contextmanager
def running_control_plane() -> Iterator[Cluster]:
    """A throwaway control plane in a temporary directory, always stopped and removed; skips the test (with the
    reason printed) when the engines are not built."""
    missing = control_plane_module.missing_binaries()
    if missing:
        reason = f"engines not built ({', '.join(missing)}): run `make engines`"
        print(f"\ne2e: skipped: {reason}", file=sys.stderr)
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="ck-e2e-"))
    plane = control_plane_module.ControlPlane(base=base / "plane", kubeconfig=base / "kubeconfig")
    try:
        plane.start()
        yield Cluster(plane)
    finally:
        plane.stop()
        shutil.rmtree(base, ignore_errors=True)


pulumi_stack_module = _load("pulumi_stack")
PULUMI_ENGINES = ("pulumi", "pulumi-resource-kubernetes")


def missing_pulumi_engines() -> list[str]:
    bin_dir = control_plane_module.engines_bin()
    return [name for name in PULUMI_ENGINES if not (bin_dir / name).exists()]
