"""checkov's Kubernetes checks over every object the project writes: the manifests of every stack's plan (core
kernel, add-ons and the stack's GitOps folder) and the objects compiled from examples/workspaces and from the DataOS
conformance corpus.

`make test` installs checkov at its pinned version into its own virtualenv (it pins a dependency tree of its own that
clashes with ours) and points `CHECKOV` at it. Run directly under pytest without `CHECKOV` set, the test uses a
`checkov` on the PATH, or is skipped. Identical objects (each corpus page compiled alone repeats its workspace's
namespace, quotas and policies) are checked once: checkov's time grows faster than linearly with the object count.

Where a check does not hold by a declaration (a Stack's writable root, a Resource's own image given by tag), the
object carries a `checkov.io/skip<N>` annotation with the reason, which checkov honours. The only failures allowed
are the images below, which have no digest that could be verified here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from core_kernel.context import PlatformContext
from kernelctl.manifests import write_manifests
from tests.conftest import STACKS
from tests.schema.test_compiled_objects import conformance_results
from user_space.plan_objects import load_and_compile

CHECKOV = os.environ.get("CHECKOV") or shutil.which("checkov")

#: Images checkov finds given by tag alone, and why: no registry is reachable here, and no public text pairs these
#: tags with a digest. Any other unpinned image fails the test, and so does an entry no object uses any more.
#: (soda-core and Cloud Kernel's kernelctl and flare images are tag-only too, in Argo Workflows checkov does not read.)
UNPINNED = {
    "docker.io/openpolicyagent/kube-mgmt:9.3.0": "no published digest of kube-mgmt 9.3.0 could be found",
    "ghcr.io/turbot/steampipe:0.24.2": "no published digest of any tagged Steampipe image could be found",
    "cloud-kernel-runtime:0.1.0": "Cloud Kernel's own runtime image (the default of core.runtime.image): its digest "
                                  "exists once a release publishes it",
}


def _images(node) -> set[str]:
    if isinstance(node, dict):
        return {v for k, v in node.items() if k == "image" and isinstance(v, str)} | {
            i for v in node.values() for i in _images(v)}
    if isinstance(node, list):
        return {i for v in node for i in _images(v)}
    return set()


def _dump(doc: dict) -> str:
    """One object as YAML, keys sorted (libyaml's emitter: thousands of objects go through here)."""
    return yaml.dump(doc, Dumper=yaml.CSafeDumper, sort_keys=True)


def _objects(stack_plan, tmp: Path) -> list[dict]:
    """Every object, once: plan manifests of every stack, examples in dev and prod contexts, corpus pages."""
    texts: dict[str, str] = {}
    for stack in STACKS:
        folder = tmp / f"plan-{stack}"
        write_manifests(stack_plan(stack).kubernetes, folder)
        for path in sorted(folder.rglob("*.yaml")):
            for doc in yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader):
                if doc:
                    text = _dump(doc)
                    texts.setdefault(hashlib.sha256(text.encode()).hexdigest(), text)
    compiled = [load_and_compile(["examples/workspaces"], PlatformContext.sample(env)).result.objects
                for env in ("dev", "prod")]
    compiled += [result.objects for result in conformance_results().values()]
    for objects in compiled:
        for doc in objects:
            text = _dump(doc)
            texts.setdefault(hashlib.sha256(text.encode()).hexdigest(), text)
    return [yaml.load(t, Loader=yaml.CSafeLoader) for _, t in sorted(texts.items())]


@pytest.mark.skipif(CHECKOV is None, reason="checkov is not installed (make test installs it; or set CHECKOV)")
def test_every_written_object_passes_checkov(stack_plan, tmp_path: Path) -> None:
    assert Path(CHECKOV).exists() or shutil.which(CHECKOV), f"CHECKOV={CHECKOV} does not exist: run `make test`"
    objects = _objects(stack_plan, tmp_path)
    scan = tmp_path / "scan"
    scan.mkdir()
    by_file = {}
    for n, doc in enumerate(objects):
        name = f"{n:05d}.yaml"
        (scan / name).write_text(_dump(doc))
        by_file[f"/{name}"] = doc
    # offline: no guideline download, no update check against the package index
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}
    result = subprocess.run([CHECKOV, "-d", str(scan), "--framework", "kubernetes", "--quiet", "--compact",
                             "-o", "json", "--skip-download"], capture_output=True, text=True, timeout=900, env=env)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    summary = reports[0]["summary"]
    assert summary["parsing_errors"] == 0 and summary["resource_count"] > 300, summary
    problems, unpinned_seen = [], set()
    for check in (f for r in reports for f in r["results"]["failed_checks"]):
        doc = by_file[check["file_path"]]
        if check["check_id"] == "CKV_K8S_43" and all(
                "@sha256:" in image or image in UNPINNED for image in _images(doc)):
            unpinned_seen |= _images(doc) & set(UNPINNED)
            continue
        problems.append(f"{check['resource']}: {check['check_id']} {check['check_name']}")
    assert problems == [], "\n".join(sorted(problems))
    assert unpinned_seen == set(UNPINNED), f"stale UNPINNED entries: {sorted(set(UNPINNED) - unpinned_seen)}"
