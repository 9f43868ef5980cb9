"""What a data team checks first: unset variables, dangling references, duplicates, hostile YAML, the README's own
examples, secrets in `render`, and a CLI that answers every mistake with one clear line and an exit code."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kernelctl.cli import app
from user_space.model import load_paths

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()

SERVICE = """name: shop-api
version: v1
type: service
workspace: shop
service:
  stack: container
  compute: {compute}
  servicePort: 8080
  dataosSecrets:
    - name: {secret}
      allKeys: true
  stackSpec: {{image: ghcr.io/example/shop-api:1.4.2}}
"""
SECRET = """name: app-secret
version: v1
type: secret
workspace: shop
secret:
  type: key-value
  acl: r
  data:
    username: app
    password: ${APP_PASSWORD}
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_unset_variable_is_an_error_with_file_line_and_variable(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("APP_PASSWORD", raising=False)
    path = _write(tmp_path, "secret.yaml", SECRET)
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{path}:10 secret/app-secret: secret.data.password: environment variable APP_PASSWORD is not set" \
        in result.stdout
    monkeypatch.setenv("APP_PASSWORD", "s3cr3t-value")
    assert runner.invoke(app, ["validate", str(tmp_path)]).exit_code == 0
    # `$$` is a literal dollar, never a variable
    _write(tmp_path, "secret.yaml", SECRET.replace("${APP_PASSWORD}", "$${NOT_A_VAR}"))
    loaded = load_paths([tmp_path], strict_env=True, env={})
    assert loaded[0].ok and loaded[0].resource.secret.data["password"] == "${NOT_A_VAR}"


BUNDLE = """name: shop-bundle
version: v1beta
type: bundle
bundle:
  resources:
    - id: app-secret
      file: members/secret.yaml
"""


def test_unset_variable_in_a_referenced_file_names_both_files_and_the_variable(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("APP_PASSWORD", raising=False)
    (tmp_path / "members").mkdir()
    _write(tmp_path / "members", "secret.yaml.in", SECRET)  # not a manifest of the folder: reached by file: only
    bundle = _write(tmp_path, "bundle.yaml", BUNDLE.replace("members/secret.yaml", "members/secret.yaml.in"))
    result = runner.invoke(app, ["validate", str(bundle)])
    assert result.exit_code == 1
    assert (f"{bundle}:7 bundle/shop-bundle: bundle.resources[0].file: in members/secret.yaml.in: line 10: "
            "secret.data.password: environment variable APP_PASSWORD is not set") in result.stdout
    monkeypatch.setenv("APP_PASSWORD", "s3cr3t-value")
    fixed = runner.invoke(app, ["validate", str(bundle)])
    assert fixed.exit_code == 0, fixed.stdout
    # the library default (not strict) keeps the documentation's reading: left as written, no error
    loaded = load_paths([bundle], env={})
    assert loaded[0].ok


def test_missing_compute_and_secret_are_named_with_file_and_line(tmp_path, monkeypatch) -> None:
    path = _write(tmp_path, "svc.yaml", SERVICE.format(compute="gpu-big", secret="no-such-secret"))
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{path}:7 service/shop-api: service.compute: no compute named 'gpu-big' (defined: gpu, query-default, " \
           "runnable-default); did you mean 'gpu'?" in result.stdout
    assert f"{path}:10 service/shop-api: service.dataosSecrets[0].name: no Secret (workspace 'shop') or Instance " \
           "Secret named 'no-such-secret' (defined: none)" in result.stdout
    # render refuses the same folder with the same lines, and emits nothing
    rendered = runner.invoke(app, ["render", str(tmp_path)])
    assert rendered.exit_code == 1 and rendered.stdout == ""
    assert "no compute named 'gpu-big'" in rendered.stderr


def test_references_resolve_across_the_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("APP_PASSWORD", "x")
    _write(tmp_path, "svc.yaml", SERVICE.format(compute="runnable-default", secret="app-secret"))
    _write(tmp_path, "secret.yaml", SECRET)
    assert runner.invoke(app, ["validate", str(tmp_path)]).exit_code == 0
    volume_user = SERVICE.format(compute="runnable-default", secret="app-secret").replace(
        "  dataosSecrets:", "  persistentVolume: {name: cache, directory: /data}\n  dataosSecrets:")
    path = _write(tmp_path, "svc.yaml", volume_user)
    result = runner.invoke(app, ["render", str(tmp_path)])
    assert result.exit_code == 1 and "claimName" not in result.stdout
    assert f"{path}:9 service/shop-api: service.persistentVolume.name: no Volume in workspace 'shop' named 'cache'" \
        in result.stderr


def test_the_same_resource_twice_names_both_files(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("APP_PASSWORD", "x")
    first = _write(tmp_path, "a.yaml", SECRET)
    second = _write(tmp_path, "b.yaml", SECRET)
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{first}:1 secret/app-secret: name: secret 'app-secret' is also declared in {second}:1" in result.stdout
    assert f"{second}:1 secret/app-secret: name: secret 'app-secret' is also declared in {first}:1" in result.stdout


def test_render_redacts_secrets_unless_revealed(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("APP_PASSWORD", "s3cr3t-value")
    _write(tmp_path, "secret.yaml", SECRET)
    hidden = runner.invoke(app, ["render", str(tmp_path)])
    assert hidden.exit_code == 0 and "s3cr3t-value" not in hidden.stdout and "password: '[secret]'" in hidden.stdout
    shown = runner.invoke(app, ["render", str(tmp_path), "--reveal-secrets"])
    assert "password: s3cr3t-value" in shown.stdout
    out = tmp_path / "out"
    assert runner.invoke(app, ["render", str(tmp_path / "secret.yaml"), "--out", str(out)]).exit_code == 0
    assert all("s3cr3t-value" not in p.read_text() for p in out.rglob("*.yaml"))


def test_render_out_replaces_its_own_folder_and_refuses_a_foreign_one(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("APP_PASSWORD", "x")
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "secret.yaml", SECRET)
    volume = _write(src, "volume.yaml", "name: cache\nversion: v1beta\ntype: volume\nworkspace: shop\n"
                                        "volume: {size: 1Gi, accessMode: ReadWriteOnce, type: temp}\n")
    out = tmp_path / "out"
    assert runner.invoke(app, ["render", str(src), "--out", str(out)]).exit_code == 0
    assert (out / "shop" / "persistentvolumeclaim.core-vol-cache.yaml").is_file() or \
        any("persistentvolumeclaim" in p.name for p in out.rglob("*.yaml"))
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.yaml")}
    assert runner.invoke(app, ["render", str(src), "--out", str(out)]).exit_code == 0
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*.yaml")} == first, "byte-identical reruns"
    volume.unlink()
    assert runner.invoke(app, ["render", str(src), "--out", str(out)]).exit_code == 0
    assert not any("persistentvolumeclaim" in p.name for p in out.rglob("*.yaml")), "files of gone Resources go"
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["render", str(src), "--out", str(foreign)])
    assert result.exit_code == 2 and "not empty" in result.stderr and (foreign / "notes.txt").read_text() == "mine"


def test_hostile_yaml_is_refused_quickly_and_clearly(tmp_path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
    started = time.monotonic()
    (refused,) = load_paths([_write(tmp_path, "bomb.yaml", bomb)])
    assert time.monotonic() - started < 1 and "alias bomb" in refused.errors[0].message
    _write(tmp_path, "dupes.yaml", "name: a\nversion: v1\nname: b\n")
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    (tmp_path / "dir.yaml").mkdir()  # a folder named like a manifest is searched, not read
    _write(tmp_path, "deep.yaml", "a: " + "[" * 1000 + "]" * 1000 + "\n")
    result = runner.invoke(app, ["validate", "--json", str(tmp_path)])
    rows = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    assert set(rows) == {"bomb.yaml", "dupes.yaml", "latin1.yaml", "deep.yaml"}, "every file answers"
    assert "alias" in rows["bomb.yaml"]["errors"][0]["message"]
    assert "duplicate key 'name'" in rows["dupes.yaml"]["errors"][0]["message"]
    assert rows["dupes.yaml"]["errors"][0]["line"] == 3
    assert "not UTF-8" in rows["latin1.yaml"]["errors"][0]["message"]
    assert rows["deep.yaml"]["errors"]
    assert result.exit_code == 1 and "Error" not in result.output.replace("errors", "")


def test_empty_folder_missing_path_and_unknown_stack_are_usage_errors(tmp_path) -> None:
    for args in (["validate", str(tmp_path)], ["render", str(tmp_path)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "no manifest (*.yaml, *.yml)" in result.stderr
    assert runner.invoke(app, ["validate", str(tmp_path / "nope")]).exit_code == 2
    result = runner.invoke(app, ["plan", "--stack", "dev-awz"])
    assert result.exit_code == 2 and "unknown stack 'dev-awz'" in result.stderr and "dev-aws" in result.stderr


def test_version_and_commands_from_any_folder_of_the_project(monkeypatch) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and re.fullmatch(r"kernelctl \S+\n", result.stdout)
    monkeypatch.chdir(ROOT / "examples" / "workspaces" / "retail")
    result = runner.invoke(app, ["config", "validate", "--stack", "dev-aws"])
    assert result.exit_code == 0, result.stderr


def test_readme_examples_validate_and_render(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("APP_PASSWORD", "from-the-pipeline")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Examples, one per group"):text.index("### Python API")]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert len(blocks) >= 5
    _write(tmp_path, "readme.yaml", "---\n".join(blocks))
    validated = runner.invoke(app, ["validate", str(tmp_path)])
    assert validated.exit_code == 0, validated.stdout
    rendered = runner.invoke(app, ["render", str(tmp_path)])
    assert rendered.exit_code == 0, rendered.stderr
    kinds = {o["kind"] for o in yaml.safe_load_all(rendered.stdout) if o}
    assert {"CronWorkflow", "PersistentVolumeClaim", "Secret", "PrometheusRule"} <= kinds


def test_unexpected_errors_print_no_class_name(tmp_path, monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise FileExistsError(17, "File exists")

    monkeypatch.setattr("kernelctl.resources_cmd.validation_report", boom)
    _write(tmp_path, "x.yaml", SECRET)
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1 and "FileExistsError" not in result.output and "File exists" in result.stderr


@pytest.mark.skipif(os.name != "posix", reason="POSIX paths")
def test_manifests_folder_must_lie_inside_the_project(tmp_path) -> None:
    from user_space.gitops import InvalidManifests, manifests_folder
    from user_space.specs import UserSpaceSpec

    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (project / "gitops").symlink_to(outside)  # a relative name that leads out of the project
    with pytest.raises(InvalidManifests, match="must lie inside the project"):
        manifests_folder(UserSpaceSpec(manifests="gitops"), project)
    assert manifests_folder(UserSpaceSpec(manifests="examples/workspaces"), ROOT).is_dir()


def test_typos_get_a_suggestion(tmp_path) -> None:
    _write(tmp_path, "typo.yaml", SERVICE.format(compute="runnable-default", secret="s").replace(
        "  servicePort: 8080", "  serviceport: 8080") + "---\nname: x\nversion: v1\ntype: servise\n")
    result = runner.invoke(app, ["validate", "--no-interpolate", str(tmp_path)])
    assert "serviceport (did you mean 'servicePort'?)" in result.stdout
    assert "unknown Resource type 'servise'" in result.stdout and "(did you mean 'service'?)" in result.stdout


def test_an_oversized_manifest_is_refused_without_reading_it(tmp_path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("name: x\n" + "# padding\n" * 200_000, encoding="utf-8")
    started = time.monotonic()
    (item,) = load_paths([big])
    assert time.monotonic() - started < 1
    assert "larger than 1572864 bytes" in item.errors[0].message


def test_config_validate_knows_the_core_services_the_manifests_need(tmp_path) -> None:
    document = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev-aws.yaml").read_text(encoding="utf-8"))
    core = document["config"]["cloud-kernel:core"]
    core["workflows"] = {"enabled": False}
    del core["gateway"]["authentication"]
    path = _write(tmp_path, "Pulumi.off.yaml", yaml.safe_dump(document))
    result = runner.invoke(app, ["config", "validate", str(path)])
    assert result.exit_code == 1
    assert "retail/workflow.yaml:1 workflow/orders-ingest: needs Argo Workflows" in result.stderr
    assert "retail/services.yaml:1 service/orders-api: service.ingress: the route requires authentication" \
        in result.stderr
    assert runner.invoke(app, ["config", "validate", "--stack", "dev-aws"]).exit_code == 0
