"""The stack configuration: one frozen model per layer, validated before any resource exists.

Two entry points read the same models:
- `from_pulumi()` inside the Pulumi program (`pulumi up`, and `kernelctl plan` which runs the program);
- `load_stack_file()` for `kernelctl config validate`, which reads `stacks/Pulumi.<env>.yaml` directly.
Both report every problem at once as `FILE: key.path: reason (line N)` through `ConfigError`: the models'
rules, the cloud's limits table applied to every physical name the stack produces (`cloud_kernel.checks`),
and the rules that span layers or depend on the environment. Stack files are read with the manifests' safe
YAML reader: duplicate keys, alias bombs, bad encodings and deep nesting are errors with a line, never a crash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from cloud_kernel.checks import STACK, cloud_problems
from cloud_kernel.limits import widest_allowed
from cloud_kernel.specs import CloudKernelSpec, Environment, Spec
from core_kernel.specs import CoreKernelSpec
from infra.config_errors import ConfigError, ConfigIssue
from user_space.model.yamlsrc import Document, read_documents
from user_space.specs import UserSpaceSpec

NAMESPACE = "cloud-kernel"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>.+)\.(yaml|yml)$")
# Model field -> the stack config key that holds it.
KEYS = {
    "environment": f"{NAMESPACE}:environment",
    "cloud": f"{NAMESPACE}:cloud",
    "core": f"{NAMESPACE}:core",
    "userSpace": f"{NAMESPACE}:userSpace",
}


class StackConfig(Spec):
    """All layers of one environment. Cross-layer rules live here."""

    environment: Environment
    cloud: CloudKernelSpec
    core: CoreKernelSpec
    user_space: UserSpaceSpec = Field(default_factory=UserSpaceSpec)

    @property
    def production(self) -> bool:
        return self.environment == "prod"


def issue(loc: tuple[Any, ...], message: str) -> ConfigIssue:
    """An issue at `loc` (stack-file keys and list indexes: ("cloud-kernel:cloud", "network", "cidr"))."""
    return ConfigIssue(".".join(str(part) for part in loc) or "config", message, loc=loc)


def _stack_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """A pydantic location (model field names) as stack-file keys."""
    parts = [part for part in loc if part != "[key]"]
    if not parts:
        return ()
    return (KEYS.get(str(parts[0]), str(parts[0])), *parts[1:])


def _message(error: dict[str, Any]) -> str:
    if error["loc"] and error["loc"][-1] == "[key]":
        return f"invalid name: {error['msg']}"
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "required key is missing"
    message = error["msg"]
    return message.removeprefix("Value error, ")


def parse(
    values: dict[str, Any],
    source: str,
    *,
    stack: str | None = None,
    project: str | None = None,
    locate: Callable[[tuple[Any, ...]], int | None] | None = None,
) -> StackConfig:
    """Validate the `cloud-kernel:*` entries of a stack config (keys as in the stack file). With `stack`, the
    physical names the stack produces are checked too; `locate` maps a key path to its line in the file."""
    issues = _pulumi_key_issues(values)
    data: dict[str, Any] = {}
    known = {v: k for k, v in KEYS.items()}
    for key, value in values.items():
        namespace, _, _ = str(key).partition(":")
        if namespace != NAMESPACE:
            continue  # other namespaces (pulumi:, aws:, ...) belong to Pulumi and the providers
        if key not in known:
            issues.append(issue((key,), f"unknown key; expected one of {', '.join(sorted(known))}"))
            continue
        data[known[key]] = value
    try:
        config = StackConfig.model_validate(data)
    except ValidationError as exc:
        issues.extend(issue(_stack_loc(e["loc"]), _message(e)) for e in exc.errors())
        raise ConfigError(source, _located(issues, locate)) from None
    issues.extend(cross_layer_issues(config))
    issues.extend(cloud_issues(config, stack=stack, project=project or project_name()))
    if issues:
        raise ConfigError(source, _located(issues, locate))
    return config


def _located(issues: list[ConfigIssue], locate: Callable[[tuple[Any, ...]], int | None] | None) -> list[ConfigIssue]:
    if locate is None:
        return issues
    return [ConfigIssue(i.path, i.message, locate(i.loc) if i.loc else None, i.loc) for i in issues]


def _pulumi_key_issues(values: dict[str, Any]) -> list[ConfigIssue]:
    """The `pulumi:` keys the program relies on, checked so a wrong type fails here, not after the whole run."""
    key = "pulumi:disable-default-providers"
    value = values.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        return [issue((key,), 'must be a list of package names, e.g. ["*"] (every provider explicit)')]
    return []


def project_name(root: Path = PROJECT_ROOT) -> str:
    """The Pulumi project name (`name:` of Pulumi.yaml): part of every physical name."""
    document = yaml.load((root / "Pulumi.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return str(document["name"])


def cloud_issues(config: StackConfig, *, stack: str | None, project: str) -> list[ConfigIssue]:
    """The cloud's limits table applied to the cloud spec and to every physical name the stack produces."""
    issues = []
    for path, message in cloud_problems(config.cloud, project=project, stack=stack):
        if path == STACK:
            issues.append(ConfigIssue("stack", f"the stack name {message}"))
        else:
            issues.append(issue((KEYS["cloud"], *path), message))
    for path, message in config.core.certificate_problems():
        issues.append(issue((KEYS["core"], *path.split(".")), message))
    return issues


def cross_layer_issues(config: StackConfig) -> list[ConfigIssue]:
    """Rules that span layers or depend on the environment; each names the key path it is about."""
    cloud, core = KEYS["cloud"], KEYS["core"]
    issues: list[ConfigIssue] = []
    if core_catalog_database := (config.core.catalog.database if config.core.catalog.enabled else None):
        if core_catalog_database not in config.cloud.postgres:
            known = ", ".join(sorted(config.cloud.postgres)) or "none"
            message = f"no postgres instance {core_catalog_database!r} in {cloud}.postgres (defined: {known})"
            issues.append(issue((core, "catalog", "database"), message))
    if config.user_space.enabled and not (PROJECT_ROOT / config.user_space.manifests).is_dir():
        issues.append(issue((KEYS["userSpace"], "manifests"), f"no folder {config.user_space.manifests!r} in the project"))
    if config.production:
        issues += _production_issues(config)
    return issues


def _production_issues(config: StackConfig) -> list[ConfigIssue]:
    cloud = KEYS["cloud"]
    issues = []
    if config.cloud.cluster.public_endpoint:
        issues.append(issue((cloud, "cluster", "publicEndpoint"), "must be false in prod: the API stays private"))
    if too_wide := public_access_too_wide(config):
        issues.append(issue((cloud, "cluster", "publicAccessCidrs"), f"{too_wide}; refused in prod"))
    if config.cloud.network.nat != "perZone":
        issues.append(issue((cloud, "network", "nat"), "must be perZone in prod: one zone's NAT must not cut off the others"))
    if config.cloud.network.zones < 2:
        issues.append(issue((cloud, "network", "zones"), "prod needs at least 2 zones"))
    for name, db in sorted(config.cloud.postgres.items()):
        path = (cloud, "postgres", name)
        if db.backup_retention_days < 14:
            issues.append(issue((*path, "backupRetentionDays"), "must be at least 14 in prod"))
        if not db.deletion_protection:
            issues.append(issue((*path, "deletionProtection"), "must be true in prod"))
        if not db.high_availability:
            issues.append(issue((*path, "highAvailability"), "must be true in prod (Multi-AZ)"))
    return issues


def public_access_too_wide(config: StackConfig) -> str | None:
    """Why the API server's allow-list is wider than `publicAccessWidestPrefix` allows, or None."""
    cluster = config.cloud.cluster
    if not cluster.public_endpoint:
        return None
    return widest_allowed(cluster.public_access_cidrs, cluster.public_access_widest_prefix)


def config_warnings(config: StackConfig) -> list[ConfigIssue]:
    """What is allowed outside prod but worth saying (prod refuses the same things)."""
    too_wide = public_access_too_wide(config)
    if too_wide and not config.production:
        return [issue((KEYS["cloud"], "cluster", "publicAccessCidrs"), f"{too_wide}; allowed outside prod only")]
    return []


@dataclass(frozen=True)
class StackFile:
    """A stack file as read: its config values (keys namespaced) and where each key is."""

    path: Path
    values: dict[str, Any]
    document: Document
    raw_keys: dict[str, Any]  # namespaced key -> the key as written (a project key may omit `cloud-kernel:`)

    @property
    def stack(self) -> str | None:
        """The stack name a `Pulumi.<stack>.yaml` file is for (None for other file names)."""
        match = STACK_FILE.match(self.path.name)
        return match["stack"] if match else None

    def line_of(self, loc: tuple[Any, ...]) -> int | None:
        if not loc:
            return None
        head = self.raw_keys.get(str(loc[0]), loc[0])
        return self.document.line_of(("config", head, *loc[1:]))

    def parse(self, stack: str | None = None) -> StackConfig:
        return parse(self.values, str(self.path), stack=stack or self.stack, locate=self.line_of)

    def warnings(self, config: StackConfig) -> list[str]:
        located = _located(config_warnings(config), self.line_of)
        return [f"warning: {w.text(str(self.path))}" for w in located]


def _unreadable(path: Path, message: str, line: int | None = None) -> ConfigError:
    return ConfigError(str(path), [ConfigIssue("file", message, line)])


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _unreadable(path, "no such stack file") from None
    except IsADirectoryError:
        raise _unreadable(path, "is a directory, not a stack file") from None
    except OSError as exc:
        raise _unreadable(path, f"cannot be read: {exc.strerror or exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _unreadable(path, "is UTF-16 text; save it as UTF-8", 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _unreadable(path, f"is not UTF-8 text (byte 0x{data[exc.start]:02x})", line) from None


def read_stack(path: Path) -> StackFile:
    """Read a stack file safely, or raise a ConfigError that names the file (and the line when there is one)."""
    documents, error = read_documents(_text(path))
    if error is not None:
        raise _unreadable(path, f"not valid YAML: {error}", error.line)
    if len(documents) > 1:
        raise _unreadable(path, "holds several YAML documents; a stack file is one mapping", documents[1].line)
    document = documents[0] if documents else Document({}, 1)
    data = document.data if document.data is not None else {}
    if not isinstance(data, dict):
        raise _unreadable(path, "a stack file is a mapping with a `config:` key", document.line)
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigError(str(path), [ConfigIssue("config", "must be a mapping", document.line_of(("config",)))])
    # Keys without a namespace belong to the project, as Pulumi reads them.
    raw_keys = {(str(k) if ":" in str(k) else f"{NAMESPACE}:{k}"): k for k in config}
    values = {key: config[raw] for key, raw in raw_keys.items()}
    return StackFile(path, values, document, raw_keys)


def read_stack_file(path: Path) -> dict[str, Any]:
    """The `config:` mapping of a stack file, keys namespaced, or a ConfigError that names the file."""
    return read_stack(path).values


def load_stack_file(path: Path, stack: str | None = None) -> StackConfig:
    """Read and validate a stack file; the stack name (for physical names) defaults to the file's."""
    return read_stack(path).parse(stack)


def from_pulumi() -> StackConfig:
    """Read and validate every `cloud-kernel:*` key of the running Pulumi stack (unknown keys included)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    raw = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if not key.startswith(f"{NAMESPACE}:"):
            continue
        try:
            values[key] = json.loads(value) if isinstance(value, str) else value
        except json.JSONDecodeError:
            values[key] = value  # plain strings such as the environment
    source = f"stacks/Pulumi.{pulumi.get_stack()}.yaml"
    return parse(values, source, stack=pulumi.get_stack(), project=pulumi.get_project())
