"""Stack references `name[+flavor][:version]` (dataos-resources.md §3.8), e.g. `flare:7.0`, `beacon+rest`.

A pure parser: the compiler resolves the parts to a Stack Resource, the model only checks the form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART = r"[a-z0-9]([-a-z0-9_]*[a-z0-9])?"
_REF = re.compile(
    rf"(?P<name>{_PART})(?:\+(?P<flavor>{_PART}))?(?::(?P<version>[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?))?"
)


class StackRefError(ValueError):
    """The string is not a stack reference."""


@dataclass(frozen=True)
class StackRef:
    name: str
    flavor: str | None = None
    version: str | None = None

    def __str__(self) -> str:
        text = self.name
        if self.flavor is not None:
            text += f"+{self.flavor}"
        if self.version is not None:
            text += f":{self.version}"
        return text


def parse_stack_ref(text: str) -> StackRef:
    """Split `name[+flavor][:version]`; raise StackRefError on anything else."""
    if not isinstance(text, str):
        raise StackRefError(f"a stack reference must be a string, not {type(text).__name__}")
    match = _REF.fullmatch(text)
    if match is None:
        raise StackRefError(f"{text!r} is not a stack reference: expected name[+flavor][:version], e.g. flare:7.0")
    return StackRef(match["name"], match["flavor"], match["version"])
