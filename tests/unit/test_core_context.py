"""PlatformContext: plain, frozen, JSON round-trip, deterministic, Pulumi-free."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pydantic
import pytest

from core_kernel.context import CONTEXT_KEY, IDENTITY_ANNOTATION_KEYS, PlatformContext

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_round_trip_through_json(env):
    ctx = PlatformContext.sample(env)
    again = PlatformContext.from_json(ctx.to_json())
    assert again == ctx
    assert again.to_json() == ctx.to_json()
    assert json.loads(ctx.to_json())["environment"] == env


def test_to_dict_is_json_safe_and_sorted():
    data = PlatformContext.sample().to_dict()
    assert json.loads(json.dumps(data)) == data

    def check(value):
        if isinstance(value, dict):
            assert list(value) == sorted(value)
            for item in value.values():
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)

    check(data)


def test_frozen_and_strict():
    ctx = PlatformContext.sample()
    with pytest.raises(pydantic.ValidationError):
        ctx.domain = "other.example.com"  # type: ignore[misc]
    data = ctx.to_dict()
    data["unexpected"] = 1
    with pytest.raises(pydantic.ValidationError):
        PlatformContext.from_dict(data)


def test_rejects_other_schema_version():
    data = PlatformContext.sample().to_dict()
    data["schema_version"] = 99
    with pytest.raises(ValueError, match="schema_version 99"):
        PlatformContext.from_dict(data)


def test_helpers():
    ctx = PlatformContext.sample()
    assert ctx.storage_class() == "standard"
    assert ctx.storage_class("shared") == ctx.storage.shared_class
    with pytest.raises(KeyError, match="no volume class 'nope'"):
        ctx.storage_class("nope")
    gpu = ctx.node_pool("gpu")
    assert gpu.tolerations() == [
        {"key": "nvidia.com/gpu", "effect": "NoSchedule", "operator": "Equal", "value": "present"}
    ]
    assert gpu.node_selector() == {"cloud-kernel.io/pool": "gpu"}
    with pytest.raises(KeyError, match="no node pool"):
        ctx.node_pool("missing")
    assert ctx.host("grafana") == "grafana.dev.data.example.com"
    assert ctx.workspaces.identity_annotation_key == IDENTITY_ANNOTATION_KEYS["aws"]
    assert CONTEXT_KEY == "context.json"


@pytest.mark.parametrize("module", ["context.py", "naming.py", "scheduling.py", "specs.py", "identities.py", "namespaces.py", "network_policies.py", "versions.py", "platform.py"])
def test_pure_modules_import_no_pulumi(module):
    tree = ast.parse((ROOT / "core_kernel" / module).read_text())
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert not name.startswith("pulumi"), f"{module} imports {name}"
