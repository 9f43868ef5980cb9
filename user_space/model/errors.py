"""The single error type of the model: a list of field errors, each with a dotted path and a message."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from user_space.model.patterns import PLACEHOLDER

_ENV_REF = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class FieldError:
    """One problem: `path` is like `workflow.dag[2].spec.stack` (empty for the whole document)."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class ResourceError(ValueError):
    """A manifest does not follow the format. `errors` lists every problem found, in document order."""

    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(str(e) for e in self.errors)


def format_path(loc: tuple[Any, ...]) -> str:
    """('workflow', 'dag', 2, 'spec') -> 'workflow.dag[2].spec'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def data_loc(data: Any, loc: tuple[Any, ...], missing: bool = False) -> tuple[Any, ...]:
    """Keep the parts of a pydantic `loc` that address the input document.

    Pydantic inserts union member tags (`str`, `SecretRef`, `function-after[...]`) into locations; walking
    the input drops them, so paths name only keys and indexes a manifest author wrote.
    """
    kept: list[Any] = []
    node = data
    for position, part in enumerate(loc):
        last_missing = missing and position == len(loc) - 1
        if isinstance(node, dict) and part in node:
            kept.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            kept.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not last_missing and (variant := _variant_key(node, part)):
            kept.append(variant)  # the manifest used a documented spelling variant of the field
            node = node[variant]
        elif isinstance(node, dict) and isinstance(part, str) and not _looks_internal(part):
            kept.append(part)  # a missing key: the path still names it
            node = None
    return tuple(kept)


def _variant_key(node: dict[Any, Any], part: str) -> str | None:
    folded = part.lower().replace("_", "")
    for key in node:
        if isinstance(key, str) and key.lower().replace("_", "") == folded:
            return key
    return None


def _looks_internal(part: str) -> bool:
    return any(c in part for c in "[]()") or part[:1].isupper() or part in {"str", "int", "bool", "float", "list", "dict"}


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    msg = err.get("msg", "invalid value")
    if kind == "extra_forbidden":
        msg = "unknown field (not part of the documented format)"
    elif kind == "missing":
        msg = "required field is missing"
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    elif msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, "):]
    value = err.get("input")
    if isinstance(value, str) and kind != "extra_forbidden":
        found = PLACEHOLDER.search(value)
        if found:
            msg = f"documentation placeholder {found.group(0)!r} is not a value here ({msg})"
        elif unset := _ENV_REF.search(value):
            msg = f"{msg} (environment variable {unset.group(1) or unset.group(2)} is not set)"
    return msg


def suggestion(word: str, known: Any) -> str:
    """` (did you mean 'servicePort'?)` for a close known name, else ''."""
    import difflib

    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def from_validation_error(exc: ValidationError, data: Any, line_of: Any = None,
                          known_keys: Any = ()) -> list[FieldError]:
    """Turn a pydantic ValidationError into FieldErrors whose paths address `data`; `line_of(loc)` (optional)
    gives each error its line; an unknown key close to one of `known_keys` gets a suggestion."""
    out: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        loc = data_loc(data, tuple(err.get("loc", ())), missing=err.get("type") == "missing")
        path = format_path(loc)
        message = _message(err)
        if err.get("type") == "extra_forbidden" and loc and isinstance(loc[-1], str):
            message += suggestion(loc[-1], known_keys)
        last = loc[-1] if loc else None
        if isinstance(last, str) and PLACEHOLDER.search(last):
            message = f"documentation placeholder {last!r} is not a key ({message})"
        if (path, message) not in seen:
            seen.add((path, message))
            out.append(FieldError(path, message, line_of(loc) if line_of else None))
    return out
