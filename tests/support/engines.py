"""The real engines for the end-to-end tests: the control plane of tools/engines/control_plane.py and a kubectl
bound to it. No kubelet: pods are admitted (Pod Security enforced), scheduled nowhere and never run."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
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
import yaml

ROOT = Path(__file__).resolve().parents[2]
SHARED_CRDS = ROOT.parent / "shared" / "schemas" / "crds"
USER_CRDS = ROOT / "user_space" / "crds"


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

    def apply(self, objects: list[dict[str, Any]], *, field_manager: str = "e2e") -> list[str]:
        """Server-side apply of each object, in order, conflicts forced (what the runtime and `kubectl apply
        --server-side --force-conflicts` send); the refusals, one line each, naming the object. Through the
        runtime's client (`user_space.runtime.cluster`), not kubectl: kubectl's first apply makes the API server
        build its whole OpenAPI v2 document (2 s of CPU over the CRDs) and costs as much again in per-object work."""
        from kubernetes.client.rest import ApiException

        from user_space.runtime.cluster import Cluster as ApiCluster
        from user_space.runtime.cluster import MissingKind, MissingNamespace, Rejected, api_message

        api = ApiCluster(self.api_client, field_manager=field_manager)
        refused = []
        for obj in objects:
            try:
                api.apply(obj)
            except Rejected as exc:
                refused.append(str(exc))
            except (MissingKind, MissingNamespace) as exc:
                refused.append(f"{_label(obj)}: {exc}")
            except ApiException as exc:  # an unknown field is a 500 from server-side apply without fieldValidation
                refused.append(f"{_label(obj)}: {api_message(exc)}")
        return refused

    def dry_run_create(self, objects: list[dict[str, Any]]) -> list[str]:
        """Create each object with a server-side dry run and strict field validation (the whole admission chain,
        nothing stored): the refusals, one line each, naming the object."""
        from kubernetes.client.rest import ApiException

        from user_space.runtime.cluster import Cluster as ApiCluster
        from user_space.runtime.cluster import MissingKind, api_message

        api = ApiCluster(self.api_client)
        refused = []
        for obj in objects:
            try:
                api.resource(obj["apiVersion"], obj["kind"]).create(
                    body=obj, namespace=obj["metadata"].get("namespace"), dry_run="All",
                    query_params=[("fieldValidation", "Strict")])
            except MissingKind as exc:
                refused.append(f"{_label(obj)}: {exc}")
            except ApiException as exc:
                refused.append(f"{_label(obj)}: {api_message(exc)}")
        return refused

    @functools.cached_property
    def api_client(self) -> Any:
        from user_space.runtime.cluster import api_client

        return api_client(str(self.kubeconfig))

    def install_crds(self, paths: list[Path]) -> None:
        """Apply CRD files (or folders of them) and wait until each is Established. Polled rather than `kubectl
        wait`, which fails outright on a CRD whose status has no conditions yet."""
        args = [a for f in _crd_files(paths) for a in ("-f", str(f))]
        names = self.kubectl("apply", "--server-side", "--force-conflicts", "-o", "name", *args).stdout.split()

        def established() -> bool:
            crds = self.get_json(*names)
            return all(any(c["type"] == "Established" and c["status"] == "True"
                           for c in crd.get("status", {}).get("conditions") or [])
                       for crd in crds.get("items", [crds]))

        self.wait_for(f"{len(names)} CRDs to be established", established, timeout=120)

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
def running_control_plane(crds: list[Path] | None = None, snapshots: Path | None = None) -> Iterator[Cluster]:
    """A throwaway control plane in a temporary directory, always stopped and removed, with `crds` (files or
    folders) installed and established; skips the test (with the reason printed) when the engines are not built.

    With `snapshots` (a folder the session's workers share), a CRD set is installed once per session: the first
    plane to need it saves its etcd data there, and later planes start from a copy. Installing is mostly API
    server CPU (about 12 s for the 26 definitions a platform stack uses, the Argo ones alone 3 s each); starting
    over data that already holds them costs a third of that. A copy holds only the definitions, so every plane
    is as fresh as before. While another worker is saving the set, a plane installs it itself: no one waits."""
    missing = control_plane_module.missing_binaries()
    if missing:
        reason = f"engines not built ({', '.join(missing)}): run `make engines`"
        print(f"\ne2e: skipped: {reason}", file=sys.stderr)
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="ck-e2e-"))
    plane = control_plane_module.ControlPlane(base=base / "plane", kubeconfig=base / "kubeconfig")
    try:
        snapshot = _crd_snapshot(snapshots, crds) if snapshots is not None and crds else None
        if snapshot is not None and snapshot.is_dir():
            shutil.copytree(snapshot, plane.base / "etcd")
            plane.start()
        else:
            plane.start()
            if crds:
                Cluster(plane).install_crds(crds)
            if snapshot is not None:
                _save_snapshot(plane, snapshot)
        yield Cluster(plane)
    finally:
        plane.stop()
        shutil.rmtree(base, ignore_errors=True)


def _label(obj: dict[str, Any]) -> str:
    meta = obj["metadata"]
    return f"{obj['kind']} {meta.get('namespace', '')}/{meta['name']}"


def _crd_files(paths: list[Path]) -> list[Path]:
    return sorted({f for p in paths for f in (sorted(p.rglob("*.yaml")) if p.is_dir() else [p])})


def _crd_snapshot(folder: Path, crds: list[Path]) -> Path:
    """Where the etcd data of a plane holding exactly these CRD files (by content) is kept."""
    digest = hashlib.sha256()
    for path in _crd_files(crds):
        digest.update(path.read_bytes())
    return folder / f"crds-{digest.hexdigest()[:16]}"


def _save_snapshot(plane: Any, snapshot: Path) -> None:
    """Save the plane's etcd data as `snapshot` unless another worker has it or is saving it (then move on),
    and restart the plane on its own data. etcd is stopped for the copy: a running one's files may be torn."""
    with open(snapshot.with_suffix(".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        if snapshot.is_dir():
            return
        plane.stop(remove=False)
        partial = snapshot.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(plane.base / "etcd", partial)
        partial.replace(snapshot)
        plane.start()


def custom_kinds(objects: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(group, kind) of the objects whose kind a CRD defines: a kind of the vendored or our CRDs, or of a dotted
    group outside Kubernetes' own `*.k8s.io` (which a missing CRD file must not hide)."""
    kinds = {(o["apiVersion"].rpartition("/")[0], o["kind"]) for o in objects}
    files = _all_crd_files()
    return {(g, k) for g, k in kinds if (g, k) in files or ("." in g and not g.endswith(".k8s.io"))}


def needed_crds(objects: list[dict[str, Any]]) -> tuple[list[Path], list[str]]:
    """The CRD files (vendored, or ours in user_space/crds) defining the custom kinds of these objects, and the
    kinds no file defines. A plane gets the definitions its objects use, not every vendored one."""
    files = _all_crd_files()
    kinds = custom_kinds(objects)
    return sorted({files[k] for k in kinds if k in files}), sorted(f"{g}/{k}" for g, k in kinds - files.keys())


def _all_crd_files() -> dict[tuple[str, str], Path]:
    from tests.support.k8s_validation import crd_files

    return {**crd_files(), **_user_crd_files()}


@functools.lru_cache(maxsize=1)
def _user_crd_files() -> dict[tuple[str, str], Path]:
    index = {}
    for path in sorted(USER_CRDS.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        index[(crd["spec"]["group"], crd["spec"]["names"]["kind"])] = path
    return index


pulumi_stack_module = _load("pulumi_stack")
PULUMI_ENGINES = ("pulumi", "pulumi-resource-kubernetes")


def missing_pulumi_engines() -> list[str]:
    bin_dir = control_plane_module.engines_bin()
    return [name for name in PULUMI_ENGINES if not (bin_dir / name).exists()]
