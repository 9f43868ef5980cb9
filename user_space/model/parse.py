"""`parse_resource`: one manifest mapping -> its validated model, or one `ResourceError`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from user_space.model.envelope import Resource
from user_space.model.errors import FieldError, ResourceError, from_validation_error, suggestion
from user_space.model.patterns import PLACEHOLDER
from user_space.model.registry import MODELS

LineOf = Callable[[tuple[Any, ...]], int | None]


def parse_resource(data: Any, line_of: LineOf | None = None) -> Resource:
    """Validate one manifest (a mapping) and return the model of its type.

    Raises `ResourceError` (and nothing else) listing every problem with its field path; `line_of`, when
    given, maps a field path to a line number for the errors.
    """
    if not isinstance(data, dict):
        raise ResourceError([FieldError("", f"a Resource manifest is a mapping, not {_kind(data)}")])
    type_name = data.get("type")
    cls = MODELS.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        raise ResourceError([FieldError("type", _unknown_type(type_name), _line(line_of, ("type",)))])
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise ResourceError(from_validation_error(exc, data, line_of, field_names(type_name))) from None
    except RecursionError:
        raise ResourceError([FieldError("", "the manifest is nested too deeply")]) from None


@functools.lru_cache(maxsize=None)
def field_names(type_name: str) -> frozenset[str]:
    """Every key the manifest format of `type_name` knows, at any depth (for "did you mean" suggestions)."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update(k for k in (node.get("properties") or {}) if isinstance(k, str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(MODELS[type_name].model_json_schema(by_alias=True, mode="validation"))
    return frozenset(names)


def _unknown_type(type_name: Any) -> str:
    known = ", ".join(sorted(MODELS))
    if type_name is None:
        return f"required field is missing (one of: {known})"
    if isinstance(type_name, str) and PLACEHOLDER.search(type_name):
        return f"documentation placeholder {type_name!r} is not a type (one of: {known})"
    return f"unknown Resource type {type_name!r} (one of: {known}){suggestion(str(type_name), MODELS)}"


def _kind(data: Any) -> str:
    return "nothing" if data is None else f"a {type(data).__name__}"


def _line(line_of: LineOf | None, loc: tuple[Any, ...]) -> int | None:
    return line_of(loc) if line_of is not None else None
