"""Uniform Data Links (`dataos://depot[:collection[/dataset]][?acl=r|rw]`, dataos-resources.md §3.7).

A pure parser: the depot service, Cluster catalogs and Flare inputs all need the same split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UDL = re.compile(
    r"dataos://(?P<depot>[a-z][a-z0-9]*)"
    r"(?::(?P<collection>[A-Za-z0-9_][A-Za-z0-9_.$-]*)"
    r"(?:/(?P<dataset>[^?\s/][^?\s]*))?)?"
    r"(?:\?acl=(?P<acl>rw|r))?"
)


class UdlError(ValueError):
    """The string is not a UDL."""


@dataclass(frozen=True)
class Udl:
    depot: str
    collection: str | None = None
    dataset: str | None = None
    acl: str = "r"

    def __str__(self) -> str:
        text = f"dataos://{self.depot}"
        if self.collection is not None:
            text += f":{self.collection}"
            if self.dataset is not None:
                text += f"/{self.dataset}"
        return text + ("?acl=rw" if self.acl == "rw" else "")


def parse_udl(text: str) -> Udl:
    """Split a UDL into its parts; the default acl is `r`. Raise UdlError on anything else."""
    if not isinstance(text, str):
        raise UdlError(f"a UDL must be a string, not {type(text).__name__}")
    match = _UDL.fullmatch(text)
    if match is None:
        raise UdlError(
            f"{text!r} is not a UDL: expected dataos://depot[:collection[/dataset]][?acl=r|rw]"
            " (depot names match [a-z][a-z0-9]*)"
        )
    return Udl(match["depot"], match["collection"], match["dataset"], match["acl"] or "r")
