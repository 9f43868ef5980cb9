"""Name rules of the manifest format (dataos-resources.md §2, §11, §18, §4), as compiled regexes."""

from __future__ import annotations

import re

#: Resource and DAG job names: DNS-label-like, at most 48 characters.
RESOURCE_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
RESOURCE_NAME_MAX = 48

#: Depot and Cluster names (and Lakehouse `depotName`): no hyphen, starts with a letter.
STRICT_NAME = re.compile(r"[a-z]([a-z0-9]*)")

#: Workspace names, fewer than 32 characters.
WORKSPACE_NAME = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
WORKSPACE_NAME_MAX = 31

#: Secret data keys: alphanumerics, '-', '_', '.'.
SECRET_KEY = re.compile(r"[A-Za-z0-9._-]+")

#: A Kubernetes resource quantity (500m, 1Gi, 2, 1.5G, 1e3).
QUANTITY = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[mkMGTPEun])?")

#: Documentation placeholders: `${{...}}`, `${name-with-dashes}` (not an env var), `<name>`.
PLACEHOLDER = re.compile(r"\$\{\{.*?\}\}|\$\{[^}]*[^A-Za-z0-9_}][^}]*\}|<[A-Za-z][\w .:/-]*>")


def check_name(value: str, pattern: re.Pattern[str], max_len: int, what: str) -> str:
    """Return `value` if it matches `pattern` fully and fits `max_len`; raise ValueError otherwise."""
    if not pattern.fullmatch(value):
        raise ValueError(f"{what} {value!r} must match {pattern.pattern}")
    if len(value) > max_len:
        raise ValueError(f"{what} {value!r} is longer than {max_len} characters")
    return value


def has_placeholder(value: object) -> bool:
    return isinstance(value, str) and PLACEHOLDER.search(value) is not None
