"""Deterministic facts of the simulated cloud: account, region, zones, and stable fake identifiers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable

from pulumi.runtime import MockCallArgs, MockResourceArgs


@dataclass(frozen=True)
class SimContext:
    project: str
    stack: str
    region: str
    account_id: str = "123456789012"

    def digest(self, *parts: object, length: int = 17) -> str:
        """A stable hex string for these parts: same program, same ids, byte for byte."""
        text = "\x1f".join(str(p) for p in (self.project, self.stack, *parts))
        return hashlib.sha256(text.encode()).hexdigest()[:length]

    def zones(self) -> list[str]:
        return [f"{self.region}{suffix}" for suffix in "abcdef"]


# A resource handler returns (id, computed outputs); the dispatcher merges those over the inputs.
ResourceHandler = Callable[[MockResourceArgs, dict[str, Any], SimContext], tuple[str, dict[str, Any]]]
CallHandler = Callable[[MockCallArgs, dict[str, Any], SimContext], dict[str, Any]]
