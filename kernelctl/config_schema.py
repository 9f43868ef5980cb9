"""JSON Schema of a stack file, generated from the config models (checked in as stacks/schema.json).

Editors use it for completion and inline errors (`# yaml-language-server: $schema=./schema.json`).
"""

from __future__ import annotations

from typing import Any

from infra.config import KEYS, StackConfig


def _region_optional_for_local(cloud: dict[str, Any]) -> None:
    """`region` is required except with `provider: local` (the model fills in "local" before validating)."""
    cloud["required"] = [key for key in cloud.get("required", []) if key != "region"]
    cloud["if"] = {"properties": {"provider": {"const": "local"}}, "required": ["provider"]}
    cloud["else"] = {"required": ["region"]}


def stack_config_schema() -> dict[str, Any]:
    model = StackConfig.model_json_schema(by_alias=True, mode="validation")
    definitions = model.pop("$defs", {})
    _region_optional_for_local(definitions["CloudKernelSpec"])
    properties = {KEYS[name]: schema for name, schema in model["properties"].items()}
    required = [KEYS[name] for name in model.get("required", [])]
    config = {
        "type": "object",
        "description": "Pulumi stack config. `cloud-kernel:*` keys are validated here; other namespaces "
        "(pulumi:, aws:, ...) belong to Pulumi and its providers.",
        "properties": properties,
        "required": required,
        "patternProperties": {"^(?!cloud-kernel:)[^:]+:.+$": {}},
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Cloud Kernel stack file (stacks/Pulumi.<env>.yaml)",
        "type": "object",
        "properties": {
            "config": config,
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "encryptionsalt": {"type": "string"},
        },
        "required": ["config"],
        "$defs": definitions,
    }
