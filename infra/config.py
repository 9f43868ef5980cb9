"""The stack configuration: one frozen model per layer, validated before any resource exists.

Two entry points read the same models:
- `from_pulumi()` inside the Pulumi program (`pulumi up`, and `kernelctl plan` which runs the program);
- `load_stack_file()` for `kernelctl config validate`, which reads `stacks/Pulumi.<env>.yaml` directly.
Both report every problem at once as `FILE: key.path: reason` through `ConfigError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from cloud_kernel.specs import CloudKernelSpec, Environment, Spec
from core_kernel.specs import CoreKernelSpec
from user_space.specs import UserSpaceSpec

NAMESPACE = "cloud-kernel"
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


@dataclass(frozen=True)
class ConfigIssue:
    path: str
    message: str


class ConfigError(Exception):
    """Every problem found in one stack configuration."""

    def __init__(self, source: str, issues: list[ConfigIssue]):
        self.source = source
        self.issues = issues
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.source}: {issue.path}: {issue.message}" for issue in self.issues]


def _key_path(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "config"
    head, *rest = [part for part in loc if part != "[key]"]
    parts = [KEYS.get(str(head), str(head))] + [str(p) for p in rest]
    return ".".join(parts)


def _message(error: dict[str, Any]) -> str:
    if error["loc"] and error["loc"][-1] == "[key]":
        return f"invalid name: {error['msg']}"
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "required key is missing"
    message = error["msg"]
    return message.removeprefix("Value error, ")


def parse(values: dict[str, Any], source: str) -> StackConfig:
    """Validate the `cloud-kernel:*` entries of a stack config (keys as in the stack file)."""
    issues: list[ConfigIssue] = []
    data: dict[str, Any] = {}
    known = {v: k for k, v in KEYS.items()}
    for key, value in values.items():
        namespace, _, _ = key.partition(":")
        if namespace != NAMESPACE:
            continue  # other namespaces (pulumi:, aws:, ...) belong to Pulumi and the providers
        if key not in known:
            issues.append(ConfigIssue(key, f"unknown key; expected one of {', '.join(sorted(known))}"))
            continue
        data[known[key]] = value
    try:
        config = StackConfig.model_validate(data)
    except ValidationError as exc:
        issues.extend(ConfigIssue(_key_path(e["loc"]), _message(e)) for e in exc.errors())
        raise ConfigError(source, issues) from None
    issues.extend(cross_layer_issues(config))
    if issues:
        raise ConfigError(source, issues)
    return config


def cross_layer_issues(config: StackConfig) -> list[ConfigIssue]:
    """Rules that span layers or depend on the environment; each names the key path it is about."""
    cloud, core = KEYS["cloud"], KEYS["core"]
    issues: list[ConfigIssue] = []
    if core_catalog_database := (config.core.catalog.database if config.core.catalog.enabled else None):
        if core_catalog_database not in config.cloud.postgres:
            known = ", ".join(sorted(config.cloud.postgres)) or "none"
            issues.append(
                ConfigIssue(
                    f"{core}.catalog.database",
                    f"no postgres instance {core_catalog_database!r} in {cloud}.postgres (defined: {known})",
                )
            )
    if config.production:
        if config.cloud.cluster.public_endpoint:
            issues.append(ConfigIssue(f"{cloud}.cluster.publicEndpoint", "must be false in prod: the API stays private"))
        if config.cloud.network.nat != "perZone":
            issues.append(ConfigIssue(f"{cloud}.network.nat", "must be perZone in prod: one zone's NAT must not cut off the others"))
        if config.cloud.network.zones < 2:
            issues.append(ConfigIssue(f"{cloud}.network.zones", "prod needs at least 2 zones"))
        for name, db in sorted(config.cloud.postgres.items()):
            path = f"{cloud}.postgres.{name}"
            if db.backup_retention_days < 14:
                issues.append(ConfigIssue(f"{path}.backupRetentionDays", "must be at least 14 in prod"))
            if not db.deletion_protection:
                issues.append(ConfigIssue(f"{path}.deletionProtection", "must be true in prod"))
            if not db.high_availability:
                issues.append(ConfigIssue(f"{path}.highAvailability", "must be true in prod (Multi-AZ)"))
    return issues


def read_stack_file(path: Path) -> dict[str, Any]:
    """The `config:` mapping of a stack file, or a ConfigError that names the file."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(str(path), [ConfigIssue("file", "no such stack file")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), [ConfigIssue("file", f"not valid YAML: {exc}")]) from None
    if not isinstance(document, dict):
        raise ConfigError(str(path), [ConfigIssue("file", "a stack file is a mapping with a `config:` key")])
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigError(str(path), [ConfigIssue("config", "must be a mapping")])
    # Keys without a namespace belong to the project, as Pulumi reads them.
    return {(k if ":" in str(k) else f"{NAMESPACE}:{k}"): v for k, v in config.items()}


def load_stack_file(path: Path) -> StackConfig:
    return parse(read_stack_file(path), str(path))


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
    return parse(values, f"stacks/Pulumi.{pulumi.get_stack()}.yaml")
