"""JSON Schema per Resource type, for editor completion (`# yaml-language-server: $schema=...`).

Generated from the models (so they can't drift); checked in under `user_space/schemas/` and kept fresh by
a test. Regenerate with `kernelctl schemas --out user_space/schemas`.
"""

from __future__ import annotations

import json
from typing import Any

from user_space.model.registry import MODELS

SCHEMA_BASE_URL = "https://cloudkernel.io/schemas/resources"


def resource_schema(type_name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one manifest type, by YAML key names."""
    cls = MODELS[type_name]
    schema = cls.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{SCHEMA_BASE_URL}/{type_name}.json"
    schema["title"] = f"{cls.KIND} ({type_name}, version {' | '.join(cls.VERSIONS)})"
    props = schema["properties"]
    props["version"] = {"type": "string", "enum": list(cls.VERSIONS)}
    return schema


def all_schemas() -> dict[str, str]:
    """File name -> JSON text (sorted keys, trailing newline), one per type."""
    return {f"{t}.json": json.dumps(resource_schema(t), indent=2, sort_keys=True) + "\n" for t in sorted(MODELS)}
