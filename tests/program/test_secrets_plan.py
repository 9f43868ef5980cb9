"""A GitOps folder holding a Secret with an inline value and a `${VAR}` value, planned as `pulumi up` would run it:
neither value is written anywhere (plan.json, manifests/, the summary), and the custom resource's inputs are secret."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from kernelctl.plan.report import print_summary, write_plan
from kernelctl.plan.runner import ProgramError, run_plan
from tests.conftest import ROOT

FOLDER = "tests/program/fixtures/secrets-workspace"
INLINE = "app-user-inline-7f3a"
FROM_ENV = "pw-from-pipeline-91c2"
RUNTIME_IMAGE = "registry.example.com/platform/cloud-kernel-runtime:0.1.0@sha256:" + "0" * 64


def _stack(tmp_path: Path) -> Path:
    document = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev-aws.yaml").read_text(encoding="utf-8"))
    document["config"]["cloud-kernel:userSpace"]["manifests"] = FOLDER
    document["config"]["cloud-kernel:core"].setdefault("runtime", {})["image"] = RUNTIME_IMAGE
    path = tmp_path / "Pulumi.secrets-aws.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_no_secret_value_in_plan_manifests_or_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_PASSWORD", FROM_ENV)
    result = run_plan(_stack(tmp_path), "secrets-aws", root=ROOT)
    write_plan(result, tmp_path / "out")
    summary = io.StringIO()
    print_summary(result, Console(file=summary, width=200), tmp_path / "out")
    written = [p.read_text(encoding="utf-8") for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(written) > 100
    for value in (INLINE, FROM_ENV):
        assert all(value not in text for text in written), value
        assert value not in summary.getvalue()

    custom = next(r for r in result.resources if r["type"].endswith(":Secret") and "app-secret" in r["name"])
    assert {"spec.secret.data.username", "spec.secret.data.password"} <= set(custom["secret_paths"])
    assert custom["inputs"]["spec"]["secret"]["data"] == {"password": "[secret]", "username": "[secret]"}
    compiled = next(o for o in result.kubernetes if (o["apiVersion"], o["kind"]) == ("v1", "Secret")
                    and o["metadata"]["name"] == "app-secret"
                    and o["metadata"].get("namespace") == "shop")
    assert compiled["stringData"] == {"password": "[secret]", "username": "[secret]"}
    # (sharing this plan) the runtime runs the image the stack file names
    runtime = next(o for o in result.kubernetes if o["kind"] == "Deployment"
                   and o["metadata"]["name"] == "cloud-kernel-runtime")
    assert [c["image"] for c in runtime["spec"]["template"]["spec"]["containers"]] == [RUNTIME_IMAGE]


def test_an_unset_variable_stops_the_plan_naming_file_line_and_variable(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("APP_PASSWORD", raising=False)
    with pytest.raises(ProgramError) as caught:
        run_plan(_stack(tmp_path), "secrets-aws", root=ROOT)
    assert f"{FOLDER}/app.yaml:12 secret/app-secret: secret.data.password: environment variable APP_PASSWORD" \
        in str(caught.value).replace(str(ROOT) + "/", "")
