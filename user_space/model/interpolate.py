"""Environment interpolation of `$VAR` and `${VAR}` in manifest values (dataos-resources.md §2).

Only string values are rewritten (never keys), so a value can't inject YAML structure and line numbers
stay true. A variable that is not set is left as written: documents embed shell and SQL text (`$1`,
`${CURRENT_WORKSPACE}` evaluated later in a container) that must survive. Documentation placeholders
`${{...}}` never match: `{` can't start a variable name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def interpolate_text(text: str, env: Mapping[str, str]) -> str:
    def repl(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return env[name] if name in env else match.group(0)

    return _VAR.sub(repl, text)


def interpolate(data: Any, env: Mapping[str, str]) -> Any:
    """Return a copy of `data` with every string value interpolated from `env`."""
    if isinstance(data, str):
        return interpolate_text(data, env)
    if isinstance(data, dict):
        return {key: interpolate(value, env) for key, value in data.items()}
    if isinstance(data, list):
        return [interpolate(item, env) for item in data]
    return data
