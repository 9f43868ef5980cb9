"""`kernelctl config validate` refuses what the cloud would refuse mid-`pulumi up`: every example of issue 16,
as a user runs it (a stack file, the CLI, exit 2, the key path and its line), plus the unreadable files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kernelctl.cli import app

ROOT = Path(__file__).resolve().parents[2]
CLOUD, CORE = "cloud-kernel:cloud", "cloud-kernel:core"
runner = CliRunner()


def dev_document() -> dict:
    return yaml.safe_load((ROOT / "stacks" / "Pulumi.dev-aws.yaml").read_text())


def validate(path: Path):
    return runner.invoke(app, ["config", "validate", str(path)])


def write(tmp_path: Path, document: dict, stack: str = "dev-aws") -> Path:
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, width=1000))
    return path


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line containing `text` (what the error must point at)."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _cloud(doc: dict) -> dict:
    return doc["config"][CLOUD]


def _pool(doc: dict, name: str = "batch") -> dict:
    return _cloud(doc)["nodePools"][name]


# (id, change to the dev-aws stack file, the key path refused, a fragment of the reason, the text on the line)
EXAMPLES = [
    ("retention-2", lambda d: _cloud(d)["cluster"].update(logRetentionDays=2), f"{CLOUD}.cluster.logRetentionDays", "not a retention", "logRetentionDays"),
    ("retention-45", lambda d: _cloud(d)["network"].update(flowLogRetentionDays=45), f"{CLOUD}.network.flowLogRetentionDays", "not a retention", "flowLogRetentionDays"),
    ("cidr-/8", lambda d: _cloud(d)["network"].update(cidr="10.0.0.0/8"), f"{CLOUD}.network.cidr", "/16 and /24", "cidr:"),
    ("cidr-0/8", lambda d: _cloud(d)["network"].update(cidr="0.0.0.0/8"), f"{CLOUD}.network.cidr", "private range", "cidr:"),
    ("cidr-loopback", lambda d: _cloud(d)["network"].update(cidr="127.0.0.0/16"), f"{CLOUD}.network.cidr", "private range", "cidr:"),
    ("cidr-link-local", lambda d: _cloud(d)["network"].update(cidr="169.254.0.0/16"), f"{CLOUD}.network.cidr", "private range", "cidr:"),
    ("one-zone", lambda d: _cloud(d)["network"].update(zones=1), f"{CLOUD}.network.zones", "at least 2", "zones:"),
    ("label-value-64", lambda d: _pool(d)["labels"].update(team="x" * 64), f"{CLOUD}.nodePools.batch.labels.team", "1-63", "team:"),
    ("label-value-space", lambda d: _pool(d)["labels"].update(team="data eng"), f"{CLOUD}.nodePools.batch.labels.team", "1-63", "team:"),
    ("taint-key-254", lambda d: _pool(d)["taints"].append({"key": "k" * 254, "effect": "NoSchedule"}), f"{CLOUD}.nodePools.batch.taints.1.key", "1-63", "k" * 254),
    ("taint-key-eks-63", lambda d: _pool(d)["taints"].append({"key": "example.com/" + "k" * 60}), f"{CLOUD}.nodePools.batch.taints.1.key", "AWS allows 63", "example.com/"),
    ("60-taints", lambda d: _pool(d).update(taints=[{"key": f"k{i}"} for i in range(60)]), f"{CLOUD}.nodePools.batch.taints", "at most 50", "taints:"),
    ("max-size-1000", lambda d: _pool(d).update(maxSize=1000), f"{CLOUD}.nodePools.batch.maxSize", "at most 450", "maxSize: 1000"),
    ("rds-double-hyphen", lambda d: _cloud(d)["postgres"].update({"a--b": {}}), f"{CLOUD}.postgres.a--b", "must not contain '--'", "a--b:"),
    ("lakehouse-access-logs", lambda d: _cloud(d)["lakehouse"].update({"access-logs": {}}), f"{CLOUD}.lakehouse.access-logs", "access-log bucket", "access-logs:"),
    ("window-25-61", lambda d: _cloud(d)["postgres"]["platform"].update(backupWindow="25:61-02:00"), f"{CLOUD}.postgres.platform.backupWindow", "not a time", "backupWindow"),
    ("windows-overlap", lambda d: _cloud(d)["postgres"]["platform"].update(backupWindow="03:00-04:00", maintenanceWindow="sun:03:30-sun:04:30"), f"{CLOUD}.postgres.platform.maintenanceWindow", "overlaps backupWindow", "maintenanceWindow"),
    ("maintenance-1-minute", lambda d: _cloud(d)["postgres"]["platform"].update(maintenanceWindow="sun:05:00-sun:05:01"), f"{CLOUD}.postgres.platform.maintenanceWindow", "at least 30", "maintenanceWindow"),
    ("admin-not-an-arn", lambda d: _cloud(d)["cluster"].update(admins=["not-an-arn"]), f"{CLOUD}.cluster.admins.0", "not an IAM role or user ARN", "not-an-arn"),
    ("admins-same-tail", lambda d: _cloud(d)["cluster"].update(admins=["arn:aws:iam::123456789012:role/a/ops", "arn:aws:iam::123456789012:role/b/ops"]), f"{CLOUD}.cluster.admins.1", "ends in 'ops'", "role/b/ops"),
    ("admin-named-deployer", lambda d: _cloud(d)["cluster"].update(admins=["arn:aws:iam::123456789012:role/Deployer"]), f"{CLOUD}.cluster.admins.0", "deployer's access entry", "role/Deployer"),
    ("unknown-endpoint", lambda d: _cloud(d)["network"].update(interfaceEndpoints=["ecr-api"]), f"{CLOUD}.network.interfaceEndpoints.0", "not a known interface endpoint", "ecr-api"),
    ("duplicate-endpoint", lambda d: _cloud(d)["network"].update(interfaceEndpoints=["sts", "sts"]), f"{CLOUD}.network.interfaceEndpoints", "more than once: sts", "interfaceEndpoints"),
    ("domain-label-64", lambda d: d["config"][CORE].update(domain="a" * 64 + ".example.com"), f"{CORE}.domain", "64 characters", "domain:"),
    ("hostname-over-253", lambda d: d["config"][CORE].update(domain=".".join(["a" * 62] * 4) + ".io"), f"{CORE}.domain", "at most 253", "domain:"),
    ("acme-101-names", lambda d: d["config"][CORE].update(certManager={"clusterIssuer": {"acme": {"email": "ops@example.com"}}}, gateway={"public": True, "hosts": [f"h{i}" for i in range(100)]}), f"{CORE}.gateway.hosts", "at most 100", "hosts:"),
    ("two-slash-1", lambda d: _cloud(d)["cluster"].update(publicAccessCidrs=["0.0.0.0/1", "128.0.0.0/1"]), f"{CLOUD}.cluster.publicAccessCidrs", "whole internet", "publicAccessCidrs"),
    ("256-slash-8", lambda d: _cloud(d)["cluster"].update(publicAccessCidrs=[f"{i}.0.0.0/8" for i in range(256)]), f"{CLOUD}.cluster.publicAccessCidrs", "whole internet", "publicAccessCidrs"),
    ("public-ipv6", lambda d: _cloud(d)["cluster"].update(publicAccessCidrs=["203.0.113.0/24", "2001:db8::/32"]), f"{CLOUD}.cluster.publicAccessCidrs.1", "no IPv6", "2001:db8::/32"),
    ("41-public-cidrs", lambda d: _cloud(d)["cluster"].update(publicAccessCidrs=[f"203.0.{i}.0/24" for i in range(41)]), f"{CLOUD}.cluster.publicAccessCidrs", "allows 40", "publicAccessCidrs"),
    ("nobody-administers", lambda d: _cloud(d)["aws"].update(grantDeployerAdmin=False), f"{CLOUD}.aws.grantDeployerAdmin", "cluster.admins", "grantDeployerAdmin"),
    ("default-providers-5", lambda d: d["config"].update({"pulumi:disable-default-providers": 5}), "pulumi:disable-default-providers", "list of package names", "disable-default-providers"),
    ("aurora-unknown", lambda d: _cloud(d)["postgres"].update(extra={"engine": "aurora", "version": "18"}), f"{CLOUD}.postgres.extra.version", "not supported", "version: '18'"),
    ("manifests-missing", lambda d: d["config"]["cloud-kernel:userSpace"].update(manifests="examples/nope"), "cloud-kernel:userSpace.manifests", "no folder", "examples/nope"),
    ("manifests-outside", lambda d: d["config"]["cloud-kernel:userSpace"].update(manifests="../elsewhere"), "cloud-kernel:userSpace.manifests", "inside the project", "../elsewhere"),
    ("region-typo", lambda d: _cloud(d).update(region="eu-west-7"), f"{CLOUD}.region", "not an AWS region", "region:"),
    ("zones-over-region", lambda d: _cloud(d)["network"].update(zones=4), f"{CLOUD}.network.zones", "eu-west-1 offers 3", "zones:"),
    ("addons-unpinned", lambda d: _cloud(d)["cluster"].update(version="1.34"), f"{CLOUD}.cluster.version", "pin ", "version:"),
]


@pytest.mark.parametrize("change, path, reason, on_line", [e[1:] for e in EXAMPLES], ids=[e[0] for e in EXAMPLES])
def test_validate_refuses_with_key_path_reason_and_line(tmp_path: Path, change, path: str, reason: str, on_line: str) -> None:
    document = dev_document()
    change(document)
    stack_file = write(tmp_path, document)
    result = validate(stack_file)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"{stack_file}: {path}: ")]
    assert lines, result.stderr
    assert any(reason in line for line in lines), lines
    assert any(line.endswith(f"(line {line_of(stack_file, on_line)})") for line in lines), (lines, line_of(stack_file, on_line))
    assert "Traceback" not in result.output and "Error:" not in result.stderr


@pytest.mark.parametrize(
    "stack, rule",
    [("Dev_AWS", "S3 bucket name"), ("dev.aws", "EKS cluster name"), ("d" * 100, "characters, the limit is"), ("dev aws", "Pulumi stack name")],
    ids=["upper-and-underscore", "dot", "100-characters", "space"],
)
def test_stack_name_is_checked_against_every_resource_it_names(tmp_path: Path, stack: str, rule: str) -> None:
    stack_file = write(tmp_path, dev_document(), stack)
    result = validate(stack_file)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"{stack_file}: stack: the stack name {stack!r}")]
    assert any(rule in line for line in lines), result.stderr
    assert not [line for line in result.stderr.splitlines() if line not in lines], "only the stack name is at fault"


def test_the_same_config_under_a_good_stack_name_is_valid(tmp_path: Path) -> None:
    assert validate(write(tmp_path, dev_document(), "qa-2")).exit_code == 0


def test_wide_allow_list_is_a_warning_in_dev_and_an_error_in_prod(tmp_path: Path) -> None:
    document = dev_document()
    _cloud(document)["cluster"].update(publicAccessCidrs=["198.18.0.0/15"])
    dev = validate(write(tmp_path, document))
    assert dev.exit_code == 0, dev.output
    assert "warning: " in dev.stderr and "more than one /16" in dev.stderr
    document["config"]["cloud-kernel:environment"] = "prod"
    prod = validate(write(tmp_path, document, "prod-x"))
    assert prod.exit_code == 2
    assert re.search(r"publicAccessCidrs: covers \d+ IPv4 addresses, more than one /16 .*refused in prod", prod.stderr)
    _cloud(document)["cluster"].update(publicAccessWidestPrefix=15)
    assert "more than one /16" not in validate(write(tmp_path, document, "prod-x")).stderr


# ----- unreadable files: exit 2, the file, a reason (and a line), never an exception's name -------------------
def _bomb() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines)


def _dev_text() -> str:
    return (ROOT / "stacks" / "Pulumi.dev-aws.yaml").read_text()


UNREADABLE = [
    ("not-utf8", lambda p: p.write_bytes(_dev_text().encode() + b"\n# caf\xe9\n"), "is not UTF-8 text", True),
    ("utf16", lambda p: p.write_bytes(_dev_text().encode("utf-16")), "is UTF-16 text", True),
    ("nested-3000", lambda p: p.write_text("config:\n  x: " + "[" * 3000 + "]" * 3000 + "\n"), "nested too deeply", False),
    ("directory", lambda p: p.mkdir(), "is a directory", False),
    ("alias-bomb", lambda p: p.write_text(_dev_text() + "\n".join("  x-" + line for line in _bomb().splitlines()) + "\n"), "alias bomb", True),
    ("environment-twice", lambda p: p.write_text(_dev_text().replace("  cloud-kernel:environment: dev\n", "  cloud-kernel:environment: prod\n  cloud-kernel:environment: dev\n")), "duplicate key 'cloud-kernel:environment'", True),
    ("recursive-alias", lambda p: p.write_text("config: &c\n  x: *c\n"), "recursive alias", True),
    ("two-documents", lambda p: p.write_text("config: {}\n---\nconfig: {}\n"), "several YAML documents", True),
]


@pytest.mark.parametrize("make, reason, has_line", [u[1:] for u in UNREADABLE], ids=[u[0] for u in UNREADABLE])
def test_unreadable_stack_files_exit_2_with_a_message(tmp_path: Path, make, reason: str, has_line: bool) -> None:
    path = tmp_path / "Pulumi.dev-aws.yaml"
    make(path)
    result = validate(path)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"{path}: file: ") and reason in line, line
    assert bool(re.search(r"\(line \d+\)$", line)) == has_line, line
    assert not re.search(r"\b[A-Z][A-Za-z]+(Error|Exception)\b", line), "no exception class names"


def test_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    import time

    path = tmp_path / "Pulumi.dev-aws.yaml"
    path.write_text(_dev_text() + "\n".join("  x-" + line for line in _bomb().splitlines()) + "\n")
    started = time.monotonic()
    assert validate(path).exit_code == 2
    assert time.monotonic() - started < 5, "the bomb must be refused, not expanded"


def test_plan_refuses_an_invalid_stack_before_running_the_program(tmp_path: Path, monkeypatch) -> None:
    document = dev_document()
    _cloud(document)["cluster"].update(publicAccessCidrs=["0.0.0.0/1", "128.0.0.0/1"])
    (tmp_path / "stacks").mkdir()
    write(tmp_path / "stacks", document)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["plan", "--stack", "dev-aws", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "cloud-kernel:cloud.cluster.publicAccessCidrs: " in result.stderr and "whole internet" in result.stderr
    assert not (tmp_path / "out").exists()


def test_plan_fails_when_the_program_registers_a_urn_twice(tmp_path: Path, monkeypatch) -> None:
    import infra.program

    def twice() -> None:
        import pulumi_random

        pulumi_random.RandomId("same", byte_length=4)
        pulumi_random.RandomId("same", byte_length=4)

    monkeypatch.setattr(infra.program, "main", twice)
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, ["plan", "--stack", "dev-aws", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "duplicate URN(s): the engine would refuse the program" in result.stderr


def test_a_file_not_named_after_its_stack_still_gets_its_key_names_checked(tmp_path: Path) -> None:
    document = dev_document()
    _cloud(document)["postgres"].update({"a--b": {}})
    path = tmp_path / "staging.yaml"
    path.write_text(yaml.safe_dump(document))
    result = validate(path)
    assert result.exit_code == 2
    assert f"{path}: {CLOUD}.postgres.a--b: gives the RDS DB identifier 'cloud-kernel-dev-a--b'" in result.stderr
