"""Pod Security is really enforced: a workspace namespace exactly as the dev-aws plan labels it (the compiler's
Workspace output) refuses a privileged pod and admits a restricted one."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e


def pod(name: str, security_context: dict, pod_security_context: dict | None = None) -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "e2e-workspace"},
        "spec": {"securityContext": pod_security_context or {},
                 "containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10",
                                 "securityContext": security_context}]},
    }


RESTRICTED_CONTAINER = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                        "runAsNonRoot": True, "runAsUser": 65532, "seccompProfile": {"type": "RuntimeDefault"}}


@pytest.fixture(scope="module")
def workspace(control_plane, stack_plan):
    planned = next(o for o in stack_plan("dev-aws").kubernetes if o["kind"] == "Namespace"
                   and o["metadata"].get("labels", {}).get("cloud-kernel.io/workspace") == "true")
    namespace = {"apiVersion": "v1", "kind": "Namespace",
                 "metadata": {"name": "e2e-workspace", "labels": planned["metadata"]["labels"]}}
    control_plane.kubectl("apply", "-f", "-", stdin=json.dumps(namespace))
    control_plane.wait_for("the default service account",
                           lambda: control_plane.kubectl("get", "sa", "default", "-n", "e2e-workspace",
                                                         check=False).returncode == 0)
    return "e2e-workspace"


def test_privileged_pod_is_refused(control_plane, workspace):
    result = control_plane.kubectl("create", "-f", "-", check=False,
                                   stdin=json.dumps(pod("privileged", {"privileged": True})))
    assert result.returncode != 0
    assert 'violates PodSecurity "restricted:latest"' in result.stderr
    assert "privileged" in result.stderr


def test_restricted_pod_is_admitted(control_plane, workspace):
    result = control_plane.kubectl("create", "-f", "-", check=False,
                                   stdin=json.dumps(pod("restricted", RESTRICTED_CONTAINER)))
    assert result.returncode == 0, result.stderr
