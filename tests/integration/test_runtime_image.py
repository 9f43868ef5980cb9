"""The runtime image's install steps (user_space/runtime/install.sh, what the Dockerfile runs) in a fresh venv.

No Docker engine here: this runs the build stage's commands for real (a new venv, the pinned dependencies, the
distribution without its Pulumi dependencies) and starts the entrypoint's import graph in that venv.

The pinned set is downloaded from the package index once per machine (per content of the pins) into a wheelhouse
the install then reads instead of the index: pip spends about 20 s of CPU reading the index pages of these
projects (tens of thousands of files) on every install, and the download resolves the same pins the same way."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from core_kernel.versions import RUNTIME_IMAGE

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "user_space" / "runtime" / "Dockerfile"
REQUIREMENTS = ROOT / "user_space" / "runtime" / "requirements.txt"
CONSTRAINTS = ROOT / "constraints.txt"
BUILD_BACKEND = "setuptools"  # pyproject.toml's build-system; `pip install .` builds with it, isolated


def wheelhouse(python: Path) -> Path:
    """The runtime's pinned dependencies and the build backend, downloaded by `python`'s pip into a per-machine
    folder keyed by the pins (complete, or absent: it is built aside and renamed)."""
    digest = hashlib.sha256(CONSTRAINTS.read_bytes() + REQUIREMENTS.read_bytes() + BUILD_BACKEND.encode())
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cloud-kernel"
    folder = cache / f"runtime-wheels-{digest.hexdigest()[:16]}"
    if folder.is_dir():
        return folder
    partial = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    result = subprocess.run([str(python), "-m", "pip", "download", "--disable-pip-version-check", "--quiet",
                             "-d", str(partial), "-c", str(CONSTRAINTS), "-r", str(REQUIREMENTS), BUILD_BACKEND],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"pip download of the runtime's pins failed:\n{result.stderr[-3000:]}"
    partial.replace(folder)
    return folder


def test_dockerfile_is_multi_stage_non_root_pinned_and_runs_install_sh():
    text = DOCKERFILE.read_text()
    bases = re.findall(r"^FROM (\S+)", text, re.M)
    assert len(bases) == 2 and all(re.search(r":\d+\.\d+\.\d+-slim-\w+$", b) for b in bases), bases
    assert "sh user_space/runtime/install.sh /opt/runtime/bin/python" in text
    assert re.search(r"^USER 65532:65532$", text, re.M)  # the Deployment's runAsUser
    assert 'ENTRYPOINT ["python", "-m", "user_space.runtime"]' in text
    assert RUNTIME_IMAGE.startswith("cloud-kernel-runtime:")


def test_install_steps_work_in_a_fresh_venv(tmp_path):
    target = tmp_path / "runtime"
    venv.EnvBuilder(with_pip=True).create(target)
    python = target / "bin" / "python"
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse(python))}
    result = subprocess.run(["sh", "user_space/runtime/install.sh", str(python)], cwd=ROOT, capture_output=True,
                            text=True, timeout=900, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "runtime installed" in result.stdout
    frozen = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True).stdout.lower()
    assert "kopf==" in frozen and "kubernetes==" in frozen
    assert "pulumi" not in frozen  # only the runtime's dependencies
    # The entrypoint starts and fails cleanly without a cluster (no kubeconfig, not in a pod).
    run = subprocess.run([str(python), "-c", "import user_space.runtime.__main__ as m; print(m.__doc__)"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0 and "entrypoint" in run.stdout, run.stderr
    assert sys.executable != str(python)
