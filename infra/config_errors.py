"""The stack configuration's problems: a module of its own, with no model behind it, so that the CLI can catch
them without importing the whole config model (every `kernelctl` command pays its imports at start)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ConfigIssue:
    path: str
    message: str
    line: int | None = None
    loc: tuple[Any, ...] = field(default=(), compare=False)  # stack-file keys down to the value, for the line

    def text(self, source: str) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{source}: {self.path}: {self.message}{where}"


class ConfigError(Exception):
    """Every problem found in one stack configuration."""

    def __init__(self, source: str, issues: list[ConfigIssue]):
        self.source = source
        self.issues = issues
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [issue.text(self.source) for issue in self.issues]
