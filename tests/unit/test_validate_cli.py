"""`kernelctl validate`: one line per Resource, --json, exit codes, no traceback; `crds` and `schemas`."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from kernelctl.cli import app
from tests.unit.model_samples import sample

runner = CliRunner()


def test_ok_and_errors(tmp_path):
    good = sample("volume")
    bad = sample("volume")
    bad["volume"]["type"] = "CloudPersistent"
    bad["volume"]["accessMode"] = "ReadWriteMany"
    (tmp_path / "v.yaml").write_text(yaml.safe_dump_all([good, bad]), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "volume/persistent-v: OK" in result.stdout
    assert "volume/persistent-v: volume: CloudPersistent" in result.stdout
    assert "Traceback" not in result.output


def test_json_output(tmp_path):
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(sample("secret")), encoding="utf-8")
    (tmp_path / "b.yml").write_text("name: [oops\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", "--json", str(tmp_path)])
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert [r["ok"] for r in rows] == [True, False]
    assert set(rows[0]) == {"file", "line", "type", "name", "ok", "errors"}
    assert rows[1]["errors"][0]["path"] == "" and "YAML" in rows[1]["errors"][0]["message"]


def test_all_valid_exit_zero_and_no_interpolate(tmp_path, monkeypatch):
    data = sample("worker")
    data["worker"]["compute"] = "$MY_COMPUTE"
    data["worker"]["stackSpec"] = {"input": {"generate": {"mapping": "root = {}"}}, "output": {"drop": {}}}
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("MY_COMPUTE", "runnable-default")
    assert runner.invoke(app, ["validate", str(tmp_path / "w.yaml")]).exit_code == 0
    result = runner.invoke(app, ["validate", "--json", "--no-interpolate", str(tmp_path)])
    assert json.loads(result.stdout)[0]["name"] == "random-user-worker"


def test_missing_path_is_a_usage_error():
    result = runner.invoke(app, ["validate", "/no/such/place"])
    assert result.exit_code == 2 and "no such file" in result.output


def test_crds_and_schemas_print_and_write(tmp_path):
    printed = runner.invoke(app, ["crds"])
    assert printed.exit_code == 0
    docs = [d for d in yaml.safe_load_all(printed.stdout) if d]
    assert len(docs) == 21 and {d["kind"] for d in docs} == {"CustomResourceDefinition"}
    assert runner.invoke(app, ["crds", "--out", str(tmp_path / "crds")]).exit_code == 0
    assert len(list((tmp_path / "crds").glob("*.yaml"))) == 21
    schemas = json.loads(runner.invoke(app, ["schemas"]).stdout)
    assert "workflow" in schemas
    assert runner.invoke(app, ["schemas", "--out", str(tmp_path / "s")]).exit_code == 0
    assert (tmp_path / "s" / "instance-secret.json").is_file()


def test_stack_image_digest_is_checked_and_pinned(tmp_path):
    """A Stack's `image.digest` (Cloud Kernel extension) must be `sha256:<64 hex>`; a valid one is what pods run."""
    from user_space.compiler.stacks import stack_def

    stack = yaml.safe_load((Path(__file__).parents[2] / "user_space/stacks/python3.yaml").read_text())
    stack["name"], stack["stack"]["name"] = "mypython-v1", "mypython"
    digest = stack["stack"]["image"]["digest"]
    assert stack_def(stack, builtin=False).image.endswith(f":3.12.7-slim@{digest}")
    stack["stack"]["image"]["digest"] = "sha256:abc"
    (tmp_path / "stack.yaml").write_text(yaml.safe_dump(stack), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "stack.image.digest" in result.stdout and "Traceback" not in result.output
