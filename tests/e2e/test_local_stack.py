"""A real `pulumi up` of the `local` stack: the Pulumi CLI and the kubernetes provider built by `make engines`,
a file state backend, the passphrase secrets provider, the local control plane.

up succeeds and creates what the plan says; a second preview shows no change; one manifest changed in the
GitOps folder gives exactly one update; destroy leaves none of our objects; the state holds no secret in clear.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml

from tests.support.engines import ROOT, SHARED_CRDS, missing_pulumi_engines, needed_crds, pulumi_stack_module

ENGINES = ROOT / ".engines"

pytestmark = pytest.mark.e2e
STACK = "local"


@pytest.fixture(scope="module")
def project(tmp_path_factory, control_plane, stack_plan):
    """A copy of the project's Pulumi.yaml and local stack file whose GitOps folder is a scratch copy of
    examples/local (so the test can change a manifest) and whose kubeconfig is the test control plane's.
    The add-on CRDs the stack's objects need (CloudNativePG's Cluster) are there first, as the operator's
    install would put them; the stack creates its own (user_space/crds)."""
    missing = missing_pulumi_engines()
    if missing:
        pytest.skip(f"engines not built ({', '.join(missing)}): run `make engines`")
    addon_crds = [f for f in needed_crds(stack_plan(STACK).kubernetes)[0] if SHARED_CRDS in f.parents]
    assert addon_crds, "the local stack's plan uses no add-on kind: its CRDs are no longer needed here"
    control_plane.install_crds(addon_crds)
    base = tmp_path_factory.mktemp("local-stack")
    # The manifests folder must sit inside the project (the program resolves it against the project root): a
    # scratch copy under the git-ignored .engines/, removed afterwards.
    manifests = Path(tempfile.mkdtemp(prefix="e2e-gitops-", dir=ENGINES))
    shutil.rmtree(manifests)
    shutil.copytree(ROOT / "examples" / "local", manifests)
    (base / "stacks").mkdir()
    # The engine checks that Pulumi.yaml's `main` exists; the program itself runs inline (pulumi_stack.py).
    (base / "infra").mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", base / "Pulumi.yaml")
    stack_file = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{STACK}.yaml").read_text())
    stack_file["config"]["cloud-kernel:userSpace"]["manifests"] = str(manifests.relative_to(ROOT))
    stack_file["config"]["cloud-kernel:cloud"]["local"]["kubeconfig"] = str(control_plane.kubeconfig)
    (base / "stacks" / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump(stack_file, sort_keys=False))
    (base / "gitops").symlink_to(manifests)
    yield base
    shutil.rmtree(manifests, ignore_errors=True)


def engine(project: Path, command: str, **kwargs):
    return pulumi_stack_module.run(command, STACK, state_dir=project / "state", pulumi_home=project / "home",
                                   kubeconfig=None, work_dir=project, quiet=True, **kwargs)


@pytest.fixture(scope="module")
def deployed(project):
    outcome = engine(project, "up")
    yield outcome
    # Whatever the tests did, leave nothing behind (unless the destroy test already did).
    if not outcome.get("destroyed"):
        engine(project, "destroy")


def test_up_creates_the_platform(control_plane, deployed):
    assert deployed["result"] == "succeeded"
    assert deployed["changes"]["create"] > 0
    context = control_plane.get_json("configmap", "platform-context", "-n", "cloud-kernel-system")
    platform = json.loads(context["data"]["context.json"])
    assert platform["cloud"] == "local"
    assert sorted(platform["node_pools"]) == ["general", "system"]
    cluster = control_plane.get_json("clusters.postgresql.cnpg.io", "pg-platform", "-n", "cloud-kernel-data")
    assert cluster["spec"]["postgresql"]["pg_hba"] == ["hostssl all all all scram-sha-256"]
    services = control_plane.get_json("services.kernel.cloudkernel.io", "-n", "sandbox")["items"]
    assert [s["metadata"]["name"] for s in services] == ["echo"]


def test_second_preview_shows_no_change(project, deployed):
    assert engine(project, "preview", expect_no_changes=True)["changes"] == {}


def test_one_changed_manifest_is_one_update(project, deployed):
    path = project / "gitops" / "sandbox" / "resources.yaml"
    original = path.read_text()
    path.write_text(original.replace("  replicas: 1\n  stack: container\n  compute: runnable-default\n"
                                     "  resources:\n    requests: {cpu: 50m",
                                     "  replicas: 2\n  stack: container\n  compute: runnable-default\n"
                                     "  resources:\n    requests: {cpu: 50m", 1))
    assert path.read_text() != original
    try:
        assert engine(project, "preview")["changes"] == {"update": 1}
    finally:
        path.write_text(original)


def test_state_holds_no_secret_in_clear(project, control_plane, deployed):
    """The cluster credential never reaches the state or its history; the kubeconfig output and the provider's
    kubeconfig input are stored encrypted (the path stays readable only as plain stack config, in the history)."""
    token = yaml.safe_load(control_plane.kubeconfig.read_text())["users"][0]["user"]["token"]
    files = list((project / "state").rglob("*.json"))
    assert files
    assert not [f.name for f in files if token in f.read_text()]
    checkpoint_file = next(f for f in files if f.name == f"{STACK}.json" and "history" not in f.parts)
    assert str(control_plane.kubeconfig) not in checkpoint_file.read_text()
    resources = json.loads(checkpoint_file.read_text())["checkpoint"]["latest"]["resources"]
    stack = next(r for r in resources if r["type"] == "pulumi:pulumi:Stack")
    assert "ciphertext" in stack["outputs"]["kubeconfig"]
    provider = next(r for r in resources if r["type"] == "pulumi:providers:kubernetes")
    assert "ciphertext" in provider["inputs"]["kubeconfig"]


def test_destroy_leaves_none_of_our_objects(project, control_plane, deployed):
    outcome = engine(project, "destroy")
    assert outcome["result"] == "succeeded"
    deployed["destroyed"] = True
    crds = [c["metadata"]["name"] for c in control_plane.get_json("crd")["items"]]
    assert not [name for name in crds if name.endswith(".kernel.cloudkernel.io")]
    namespaces = control_plane.wait_for(
        "namespaces to go",
        lambda: (lambda names: names if not {"sandbox", "cloud-kernel-data", "cloud-kernel-system"} & names else None)(
            {n["metadata"]["name"] for n in control_plane.get_json("namespaces")["items"]
             if n["status"].get("phase") != "Terminating"}),
        timeout=120,
    )
    assert "sandbox" not in namespaces
    classes = control_plane.get_json("storageclass")["items"]
    assert not [c for c in classes if c["metadata"].get("labels", {}).get("app.kubernetes.io/managed-by") == "cloud-kernel"]
