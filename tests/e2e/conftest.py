"""End-to-end fixtures: a real control plane (etcd, kube-apiserver, kube-controller-manager built by
`make engines`) started for each test module (so modules never see each other's objects) in a temporary
directory and always stopped, even on failure.
Without the engines the tests skip with the reason printed; `make engines` builds them."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.engines import Cluster, control_plane_module


@pytest.fixture(scope="module")
def control_plane():
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
