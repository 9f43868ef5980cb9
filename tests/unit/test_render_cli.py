"""`kernelctl render` as a user runs it."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from kernelctl.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "workspaces"
runner = CliRunner()


def test_renders_examples_as_one_stream_against_the_sample_context() -> None:
    result = runner.invoke(app, ["render", str(EXAMPLES)])
    assert result.exit_code == 0, result.stderr
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert ("Deployment", "orders-api") in kinds
    assert ("HTTPRoute", "orders-api") in kinds
    assert any(o["kind"] == "Namespace" and o["metadata"]["name"] == "retail" for o in objects)


def test_out_writes_one_file_per_object(tmp_path: Path) -> None:
    stream = [o for o in yaml.safe_load_all(runner.invoke(app, ["render", str(EXAMPLES)]).stdout) if o]
    result = runner.invoke(app, ["render", str(EXAMPLES), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    files = sorted(tmp_path.rglob("*.yaml"))
    assert len(files) == len(stream)
    assert (tmp_path / "retail" / "deployment.apps-orders-api.yaml").is_file()
    assert (tmp_path / "_cluster" / "namespace.core-retail.yaml").is_file()


def test_against_a_stack_uses_its_identities() -> None:
    result = runner.invoke(app, ["render", str(EXAMPLES), "--stack", "dev-aws"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    runner_sa = next(
        o for o in yaml.safe_load_all(result.stdout)
        if o and o["kind"] == "ServiceAccount" and o["metadata"]["name"] == "dataos-runner"
        and o["metadata"]["namespace"] == "retail"
    )
    role = runner_sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert role.startswith("arn:aws:iam::123456789012:role/cloud-identity-ws-retail-role")


def test_invalid_manifest_is_reported_like_validate_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Bad_Name\nversion: v1\ntype: volume\nvolume: {size: 1Gi, accessMode: ReadWriteOnce, type: temp}\n")
    result = runner.invoke(app, ["render", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:1 volume/Bad_Name: name:" in result.stderr
    assert "Traceback" not in result.output


def test_missing_path_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["render", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.stderr
