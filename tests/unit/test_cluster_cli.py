"""`kernelctl apply/get/delete/log/runtime` without a cluster: bad input is a message and an exit code, never a
traceback; manifests are validated before anything is sent."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kernelctl.cli import app
from kernelctl.cluster_cmd import render_rows, row

runner = CliRunner()


def test_apply_validates_locally_first(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nversion: v1\ntype: service\nworkspace: retail\nservice:\n  replicas: many\n")
    result = runner.invoke(app, ["apply", "-f", str(bad), "--kubeconfig", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert f"{bad}:" in result.output and "service.replicas" in result.output and "nothing applied" in result.output
    assert "Traceback" not in result.output


def test_apply_a_folder_needs_R_for_sub_folders(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "s.yaml").write_text("name: s\n")
    result = runner.invoke(app, ["apply", "-f", str(tmp_path)])
    assert result.exit_code == 2 and "use -R" in result.output


def test_unreadable_kubeconfig_is_a_message(tmp_path: Path):
    result = runner.invoke(app, ["get", "--kubeconfig", str(tmp_path / "missing")])
    assert result.exit_code == 1 and "cannot load the kubeconfig" in result.output
    assert "Traceback" not in result.output


def test_usage_errors_exit_2(tmp_path: Path):
    assert runner.invoke(app, ["get", "runtime", "-t", "service"]).exit_code == 2
    assert runner.invoke(app, ["delete", "-t", "service"]).exit_code == 2
    assert runner.invoke(app, ["log", "-n", "x"]).exit_code == 2


def test_table_has_dataos_columns():
    item = {"metadata": {"name": "orders-api", "namespace": "retail", "creationTimestamp": "2026-12-02T07:00:00Z"},
            "spec": {"name": "orders-api", "version": "v1", "type": "service"},
            "status": {"phase": "active", "runtime": "running:2"}}
    from datetime import datetime, timezone

    text = render_rows([row(item, datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc))], "table")
    header, line = text.splitlines()
    assert header.split() == ["NAME", "VERSION", "TYPE", "WORKSPACE", "STATUS", "RUNTIME", "AGE"]
    assert line.split() == ["orders-api", "v1", "service", "retail", "active", "running:2", "2h"]
