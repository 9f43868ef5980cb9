"""A field holding a JSON Schema as a JSON string (Stack `stackSpecValueSchema`, Operator `specSchema`)."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import AfterValidator


def _json_object(value: str) -> str:
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise ValueError(f"jsonSchema must be a JSON document: {exc}") from None
    if not isinstance(parsed, dict):
        raise ValueError("jsonSchema must be a JSON object")
    return value


JsonSchemaText = Annotated[str, AfterValidator(_json_object)]
