"""UserSpace (the GitOps layer) on Pulumi mocks: CRDs, workspace namespaces and one custom resource per manifest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pulumi
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from core_kernel.context import PlatformContext
from user_space.specs import UserSpaceSpec

ROOT = Path(__file__).resolve().parents[2]
CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
NAMESPACE = "kubernetes:core/v1:Namespace"


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args):
        return {}


class _Monitor(MockMonitor):
    def __init__(self):
        super().__init__(_Mocks())
        self.registered: list[dict] = []

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.registered.append({"type": request.type, "name": request.name, "parent": request.parent,
                                    "dependencies": sorted(request.dependencies),
                                    "inputs": rpc.deserialize_properties(request.object)})
        return response


def build(manifests: str, root: Path = ROOT) -> list[dict]:
    from kernelctl.plan.runner import execute

    def program() -> None:
        import pulumi_kubernetes as k8s

        from user_space.layer import UserSpace

        provider = k8s.Provider("k8s", kubeconfig="apiVersion: v1\nkind: Config\n")
        UserSpace("user-space", UserSpaceSpec(manifests=manifests), provider, "dev", root, context=PlatformContext.sample())

    monitor = _Monitor()
    execute(program, project="cloud-kernel", stack="test", monitor=monitor)
    return monitor.registered


@pytest.fixture(scope="module")
def registered() -> list[dict]:
    return build("examples/workspaces")


def test_component_and_children(registered):
    (component,) = [r for r in registered if r["type"] == "cloud-kernel:user-space:UserSpace"]
    assert component["name"] == "user-space"
    crds = [r for r in registered if r["type"] == CRD]
    assert len(crds) >= 20
    children = [r for r in registered if r is not component and not r["type"].startswith("pulumi:providers:")]
    assert children and all(r["parent"].endswith("::user-space") for r in children)


def test_one_custom_resource_per_manifest(registered):
    custom = [r for r in registered if r["type"].startswith("kubernetes:kernel.cloudkernel.io/v1alpha1:")]
    kinds = sorted(r["type"].rsplit(":", 1)[1] for r in custom)
    assert kinds == sorted(["Bundle", "Compute", "Database", "Depot", "InstanceSecret", "InstanceSecret",
                            "Lakehouse", "Monitor", "Pager", "Policy", "Policy", "Secret", "Service", "Worker",
                            "Workflow"])
    (db,) = [r for r in custom if r["type"].endswith(":Database")]
    assert db["inputs"]["metadata"]["namespace"] == "retail"
    migrations = db["inputs"]["spec"]["database"]["migrate"]["includesInline"]
    assert sorted(migrations) == ["001_init.down.sql", "001_init.up.sql", "002_status.down.sql", "002_status.up.sql"]
    (depot,) = [r for r in custom if r["type"].endswith(":Depot")]
    assert "namespace" not in depot["inputs"]["metadata"]  # instance-level: cluster-scoped


def test_custom_resources_depend_on_their_crd_and_namespace(registered):
    urn_of = {(r["type"], r["name"]): r for r in registered}
    crd_names = {r["name"] for r in registered if r["type"] == CRD}
    wf = next(r for r in registered if r["type"].endswith(":Workflow") and "kernel.cloudkernel.io" in r["type"])
    deps = " ".join(wf["dependencies"])
    assert "user-space-crd-workflows" in deps and "user-space-ns-retail" in deps
    assert "user-space-crd-workflows" in crd_names
    (ns,) = [r for r in registered if r["type"] == NAMESPACE and r["name"] == "user-space-ns-retail"]
    assert ns["inputs"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert urn_of


def test_invalid_manifest_stops_the_run(tmp_path):
    from user_space.gitops import InvalidManifests

    folder = tmp_path / "gitops"
    folder.mkdir()
    shutil.copy(ROOT / "examples/workspaces/retail/worker.yaml", folder / "ok.yaml")
    (folder / "bad.yaml").write_text("name: broken\nversion: v1\ntype: service\nservice:\n  stack: container\n")
    with pytest.raises(Exception) as info:
        build("gitops", root=tmp_path)
    text = str(info.value)
    assert "bad.yaml" in text and "service" in text
    assert isinstance(info.value, InvalidManifests) or "InvalidManifests" in repr(info.value)
