"""`kernelctl config validate` / `config schema` as a user runs them: messages, exit codes, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from kernelctl.cli import app
from kernelctl.config_schema import stack_config_schema

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_valid_stack_by_name(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, ["config", "validate", "--stack", "dev-aws"])
    assert result.exit_code == 0, result.output
    assert "stacks/Pulumi.dev-aws.yaml: OK" in result.output


def test_invalid_file_reports_every_key_path_and_exits_2(tmp_path: Path) -> None:
    document = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev-aws.yaml").read_text())
    pools = document["config"]["cloud-kernel:cloud"]["nodePools"]
    pools["system"]["flavour"] = "x"
    pools["batch"]["minSize"] = "zero"
    pools["spare"] = {"minSize": 7, "maxSize": 2}
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text(yaml.safe_dump(document))
    result = runner.invoke(app, ["config", "validate", str(bad)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    flavour_line = bad.read_text().splitlines().index("        flavour: x") + 1
    assert f"{bad}: cloud-kernel:cloud.nodePools.system.flavour: unknown key (line {flavour_line})" in lines
    assert any(line.startswith(f"{bad}: cloud-kernel:cloud.nodePools.batch.minSize: ") for line in lines)
    assert any(line.startswith(f"{bad}: cloud-kernel:cloud.nodePools.spare: ") and "maxSize" in line for line in lines)
    assert "Traceback" not in result.output


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["config", "validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such stack file" in result.stderr


def test_needs_exactly_one_source() -> None:
    result = runner.invoke(app, ["config", "validate"])
    assert result.exit_code == 2
    assert "either a stack file or --stack" in result.stderr


def test_checked_in_schema_is_fresh() -> None:
    checked_in = json.loads((ROOT / "stacks" / "schema.json").read_text())
    assert checked_in == stack_config_schema(), "stacks/schema.json is stale: run `make schemas`"


def test_schema_accepts_the_stacks_and_rejects_unknown_keys() -> None:
    import jsonschema

    schema = stack_config_schema()
    for path in sorted((ROOT / "stacks").glob("Pulumi.*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    document = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev-aws.yaml").read_text())
    document["config"]["cloud-kernel:cloud"]["network"]["colour"] = "red"
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(document))
    assert errors, "the schema must reject an unknown key like the models do"


def test_runtime_image_is_configurable_and_needs_a_tag_or_digest(tmp_path: Path) -> None:
    document = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev-aws.yaml").read_text())
    core = document["config"]["cloud-kernel:core"]
    core.setdefault("runtime", {})["image"] = "ghcr.io/acme/cloud-kernel-runtime"
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text(yaml.safe_dump(document))
    result = runner.invoke(app, ["config", "validate", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: cloud-kernel:core.runtime.image: give a tag or a digest" in result.stderr
    core["runtime"]["image"] = "ghcr.io/Acme/runtime:1"  # registries want lower-case paths
    bad.write_text(yaml.safe_dump(document))
    assert "cloud-kernel:core.runtime.image" in runner.invoke(app, ["config", "validate", str(bad)]).stderr
