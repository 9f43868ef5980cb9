"""Fixtures of the runtime's end-to-end tests: a real control plane (tools/engines/control_plane.py: etcd,
kube-apiserver with TLS, RBAC, Pod Security admission and service-account tokens, kube-controller-manager),
the runtime started as `kernelctl runtime run` subprocesses, and a throwaway PostgreSQL for Database Resources.

`control_plane` has the interface of the shared e2e fixture (`.kubeconfig`, `.kubectl`, `.get_json`,
`.install_crds`, `.wait_for`); when tests/e2e/conftest.py provides it, the import of this one can go.
There is no kubelet: pods are admitted, never run, so no Deployment ever has ready replicas.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_CRDS = ROOT.parent / "shared" / "schemas" / "crds"
ADDON_CRDS = ["argo-workflows", "external-secrets", "gateway-api", "prometheus-operator", "spark-operator"]


def _control_plane_module():
    spec = importlib.util.spec_from_file_location("control_plane", ROOT / "tools" / "engines" / "control_plane.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("control_plane", module)
    spec.loader.exec_module(module)
    return module


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


@pytest.fixture(scope="session")
def control_plane():
    module = _control_plane_module()
    missing = module.missing_binaries()
    if missing:
        reason = f"engines not built ({', '.join(missing)} in {module.engines_bin()}): run `make engines`"
        print(f"\ne2e: skipped: {reason}", file=sys.stderr)
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="ck-e2e-"))
    plane = module.ControlPlane(base=base / "plane", kubeconfig=base / "kubeconfig")
    try:
        plane.start()
        yield Cluster(plane)
    finally:
        plane.stop()
        shutil.rmtree(base, ignore_errors=True)


class Runtime:
    """One `kernelctl runtime run` process (a replica of the operator), its log in a file."""

    def __init__(self, kubeconfig: Path, log: Path, identity: str, env: dict[str, str] | None = None):
        self.log = log
        self.identity = identity
        args = [sys.executable, "-m", "kernelctl", "runtime", "run", "--kubeconfig", str(kubeconfig),
                "--identity", identity, "--resync", "20", "--lease-duration", "6"]
        self.proc = subprocess.Popen(args, stdout=open(log, "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
                                     env={**os.environ, **(env or {})}, cwd=ROOT, start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode
