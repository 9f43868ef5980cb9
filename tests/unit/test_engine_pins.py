"""The engines the tests run are the ones the product ships against: the Pulumi CLI at the Python SDK's version,
the kubernetes provider at its SDK's release, Kubernetes at the minor the stacks target. When the engines are
built, the binaries themselves report those versions."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ROOT / "tools" / "engines"
BIN = ROOT / ".engines" / "bin"


def pinned(package: str) -> str:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return next(line.split("==")[1] for line in lines if line.split("==")[0].replace("-", "_") == package)


def required(module_dir: str, module: str) -> str:
    text = (ENGINES / module_dir / "go.mod").read_text()
    return re.search(rf"^\s*(?:require\s+)?{re.escape(module)} (v\S+)", text, re.M).group(1)


def test_pulumi_cli_module_is_the_python_sdk_release():
    assert required("pulumi", "github.com/pulumi/pulumi/pkg/v3") == f"v{pinned('pulumi')}"
    # pkg/v3 replaces sdk/v3 with a local path: ours must name the same release.
    assert f"=> github.com/pulumi/pulumi/sdk/v3 v{pinned('pulumi')}" in (ENGINES / "pulumi" / "go.mod").read_text()


def test_kubernetes_provider_module_is_the_python_sdk_release():
    text = (ENGINES / "pulumi-kubernetes" / "go.mod").read_text()
    release = re.search(r"at the commit of its v([0-9.]+) release", text).group(1)
    assert release == pinned("pulumi_kubernetes")
    assert f"=> github.com/pulumi/pulumi-kubernetes/sdk/v4 v{release}" in text


def test_kubernetes_is_the_minor_the_stacks_target():
    """The engines are the `local` stack's cluster, and the API server the e2e suite applies the cloud plans to:
    never older than any stack's target (AWS follows EKS standard support; stacks behind it are checked against a
    newer API server, which still serves every API they use)."""
    version = required("kubernetes", "k8s.io/kubernetes")
    minor = tuple(map(int, version.removeprefix("v").split(".")[:2]))
    targets = {}
    for stack in sorted((ROOT / "stacks").glob("Pulumi.*.yaml")):
        cloud = yaml.safe_load(stack.read_text())["config"]["cloud-kernel:cloud"]
        targets[stack.name] = tuple(map(int, cloud.get("cluster", {}).get("version", "1.0").split(".")))
        if cloud["provider"] == "local":
            assert targets[stack.name] == minor, stack.name
    assert max(targets.values()) == minor, targets
    # Every staging module is replaced by its published release of the same patch.
    staging = re.findall(r"^\s*(k8s\.io/\S+) => k8s\.io/\S+ (v\S+)", (ENGINES / "kubernetes" / "go.mod").read_text(), re.M)
    assert staging and {v for _, v in staging} == {version.replace("v1.", "v0.", 1)}


def _built(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} not built: run `make engines`")
    return path


def test_built_pulumi_reports_the_sdk_version():
    out = subprocess.run([str(_built("pulumi")), "version"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"v{pinned('pulumi')}"


def test_built_kubernetes_binaries_report_the_pinned_release():
    version = required("kubernetes", "k8s.io/kubernetes")
    out = subprocess.run([str(_built("kube-apiserver")), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"Kubernetes {version}"
    out = subprocess.run([str(_built("kubectl")), "version", "--client", "-o", "json"], capture_output=True, text=True,
                         check=True).stdout
    assert f'"gitVersion": "{version}"' in out
