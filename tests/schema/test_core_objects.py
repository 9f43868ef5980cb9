"""Every Kubernetes object the core kernel writes validates (built-in kinds strictly against Kubernetes
1.33, add-on kinds against the vendored CRDs), and every pod it writes itself runs restricted."""

from __future__ import annotations

from typing import Any

import pytest

from core_kernel.specs import CoreKernelSpec
from tests.support.core_mocks import build_core
from tests.support.k8s_validation import validate_object

VARIANTS = {
    "defaults": {},
    "acme-public-exposed": {
        "certManager": {"clusterIssuer": {"acme": {"email": "ops@example.com"}}},
        "gateway": {"public": True, "hosts": ["argo", "catalog", "grafana"]},
        "catalog": {"expose": True},
        "monitoring": {"grafana": True, "nodeExporter": True},
    },
    "minimal": {
        "gateway": {"enabled": False},
        "workflows": {"enabled": False},
        "catalog": {"enabled": False},
        "externalSecrets": {"enabled": False},
    },
}
CASES = [(v, env, cloud) for v in VARIANTS for env in ("dev", "prod") for cloud in ("aws", "gcp", "azure")]


def _build(variant: str, environment: str, cloud: str):
    spec = CoreKernelSpec.model_validate({"domain": "data.example.com", **VARIANTS[variant]})
    return build_core(spec, environment, cloud=cloud)


@pytest.fixture(scope="module", params=CASES, ids=["-".join(c) for c in CASES])
def built(request):
    return _build(*request.param)


def test_every_object_validates(built):
    objects = built.kubernetes_objects()
    assert len(objects) > 30
    problems = [p for obj in objects for p in validate_object(obj)]
    assert problems == []


def _pod_specs(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """Pod specs of workload kinds the core kernel writes itself."""
    kind = obj["kind"]
    if kind in ("Job", "Deployment", "StatefulSet", "DaemonSet"):
        return [obj["spec"]["template"]["spec"]]
    if kind == "CronJob":
        return [obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]]
    if kind == "Pod":
        return [obj["spec"]]
    if kind == "EnvoyProxy":  # the Envoy proxy Deployment the gateway controller renders from it
        deployment = obj["spec"]["provider"]["kubernetes"]["envoyDeployment"]
        return [{"securityContext": deployment["pod"]["securityContext"], "containers": [deployment["container"]]}]
    return []


def assert_restricted(pod: dict[str, Any], where: str) -> None:
    pod_ctx = pod.get("securityContext", {})
    assert pod_ctx.get("runAsNonRoot") is True, where
    assert pod_ctx.get("runAsUser", 1) != 0, where
    assert pod_ctx.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
    for container in pod.get("initContainers", []) + pod["containers"]:
        ctx = container.get("securityContext", {})
        name = f"{where}/{container.get('name', 'envoy')}"
        assert ctx.get("allowPrivilegeEscalation") is False, name
        assert ctx.get("capabilities", {}).get("drop") == ["ALL"], name
        assert not ctx.get("capabilities", {}).get("add"), name
        assert ctx.get("privileged", False) is False, name
        assert ctx.get("runAsUser", 1) != 0, name
        resources = container.get("resources", {})
        for section in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources.get(section, {})), f"{name}: {section}"
    assert not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC"), where
    for volume in pod.get("volumes", []):
        assert "hostPath" not in volume, where


def test_pods_written_by_the_core_kernel_run_restricted(built):
    pods = [(f"{o['kind']}/{o['metadata']['name']}", pod) for o in built.kubernetes_objects() for pod in _pod_specs(o)]
    for where, pod in pods:
        assert_restricted(pod, where)


def test_pod_check_finds_the_pods():
    built = _build("defaults", "dev", "aws")
    kinds = sorted(o["kind"] for o in built.kubernetes_objects() if _pod_specs(o))
    # the runtime, OPA (our own manifests), the gateway proxy, the catalog's database bootstrap and its
    # administrator (a Job at deploy, a CronJob for later workspaces)
    assert kinds == ["CronJob", "Deployment", "Deployment", "EnvoyProxy", "Job", "Job"]


def test_pod_check_fails_on_an_insecure_pod():
    pod = {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "x", "securityContext": {"allowPrivilegeEscalation": True}}],
    }
    with pytest.raises(AssertionError):
        assert_restricted(pod, "bad")


def _walk(value: Any, path: str = ""):
    if isinstance(value, dict):
        yield path, value
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def test_chart_values_set_resources_and_secure_contexts(built):
    releases = [r for r in built.resources if r.type == "kubernetes:helm.sh/v3:Release"]
    assert releases
    for release in releases:
        values = release.inputs["values"]
        blocks = [(p, v) for p, v in _walk(values) if p.split(".")[-1] == "resources" and isinstance(v, dict)]
        assert blocks, release.inputs["name"]
        for path, block in blocks:
            if "storage" in block.get("requests", {}):
                continue  # a PersistentVolumeClaim template, not a container
            if "requests" in block or "limits" in block:
                assert {"cpu", "memory"} <= set(block["requests"]) and {"cpu", "memory"} <= set(block["limits"]), path
        contexts = [(p, v) for p, v in _walk(values) if "capabilities" in v]
        assert contexts, release.inputs["name"]
        for path, ctx in contexts:
            assert ctx["capabilities"] == {"drop": ["ALL"]}, path
            assert ctx["allowPrivilegeEscalation"] is False, path
            assert ctx["seccompProfile"] == {"type": "RuntimeDefault"}, path
        for path, ctx in _walk(values):
            if "runAsUser" in ctx:
                assert ctx["runAsUser"] != 0, path
