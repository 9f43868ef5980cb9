"""checkov's Kubernetes checks over the objects the core kernel writes itself (the prod-aws plan).

checkov is not a project dependency (it pins a large tree of its own): point `CHECKOV` at its executable, or put
`checkov` on the PATH, to run this test; without it the test is skipped. Charts are not rendered offline, so
their pods are checked by the chart-values test and the values tests instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kernelctl.plan.report import write_plan

CHECKOV = os.environ.get("CHECKOV") or shutil.which("checkov")
# (namespace, kind, check) -> why it still fails.
KNOWN = {("opa", "Deployment", "CKV_K8S_43"): "no published digest of openpolicyagent/kube-mgmt:9.3.0 could be checked"}


@pytest.mark.skipif(CHECKOV is None, reason="checkov is not installed (set CHECKOV)")
def test_core_kernel_objects_pass_checkov(stack_plan, tmp_path: Path) -> None:
    from core_kernel.addons import ADDON_NAMESPACES
    from core_kernel.naming import NAMESPACES

    plan = stack_plan("prod-aws")
    write_plan(plan, tmp_path)
    result = subprocess.run(
        [CHECKOV, "-d", str(tmp_path / "manifests"), "--framework", "kubernetes", "--quiet", "--compact", "-o", "json"],
        capture_output=True, text=True, timeout=600,
    )
    reports = json.loads(result.stdout)
    failed = [f for r in (reports if isinstance(reports, list) else [reports]) for f in r["results"]["failed_checks"]]
    platform = set(NAMESPACES.values()) | set(ADDON_NAMESPACES.values())
    problems = []
    for check in failed:
        kind, namespace = check["resource"].split(".")[:2]
        if namespace in platform and (namespace, kind, check["check_id"]) not in KNOWN:
            problems.append(f"{check['resource']}: {check['check_id']} {check['check_name']}")
    assert problems == [], "\n".join(problems)
