"""Environment interpolation of `$VAR` and `${VAR}` in manifest values (dataos-resources.md §2).

Only string values are rewritten (never keys), so a value can't inject YAML structure and line numbers
stay true. `$$` writes a literal `$` (so `$${HOME}` reaches a container as `${HOME}`). Documentation
placeholders `${{...}}` never match: `{` can't start a variable name.

A variable that is not set is reported through `missing` (its field path and name): `kernelctl` and the
GitOps loader make that an error naming the file, line and variable; the library default leaves it as
written, as the DataOS documentation's own examples are read (their `${VAR}` are set by the reader).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_VAR = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")

Loc = tuple[Any, ...]


def interpolate_text(text: str, env: Mapping[str, str], unset: list[str] | None = None) -> str:
    """`text` with variables replaced; names of unset variables are appended to `unset`."""

    def repl(match: re.Match[str]) -> str:
        if match.group(1):
            return "$"
        name = match.group(2) or match.group(3)
        if name in env:
            return env[name]
        if unset is not None:
            unset.append(name)
        return match.group(0)

    return _VAR.sub(repl, text)


def referenced_variables(text: str) -> list[str]:
    """Names of the variables `text` refers to (escaped `$$` excluded), in order."""
    return [m.group(2) or m.group(3) for m in _VAR.finditer(text) if not m.group(1)]


def interpolate(data: Any, env: Mapping[str, str], missing: list[tuple[Loc, str]] | None = None,
                loc: Loc = ()) -> Any:
    """Return a copy of `data` with every string value interpolated from `env`.

    `missing`, when given, receives `(field path, variable)` for every variable that is not set.
    Shared YAML nodes (aliases) are interpolated once per use, like any value; the YAML reader bounds them.
    """
    if isinstance(data, str):
        unset: list[str] = []
        text = interpolate_text(data, env, unset)
        if missing is not None:
            missing.extend((loc, name) for name in unset)
        return text
    if isinstance(data, dict):
        return {key: interpolate(value, env, missing, loc + (key,)) for key, value in data.items()}
    if isinstance(data, list):
        return [interpolate(item, env, missing, loc + (index,)) for index, item in enumerate(data)]
    return data
