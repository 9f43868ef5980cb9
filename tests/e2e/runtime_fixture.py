"""The runtime's end-to-end helpers: `kernelctl runtime run` as a subprocess (one replica of the operator), its
log in a file. The control plane is the shared `control_plane` fixture (tests/e2e/conftest.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.engines import ROOT

__all__ = ["ROOT", "Runtime"]


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
