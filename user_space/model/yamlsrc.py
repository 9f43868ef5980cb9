"""YAML reading that remembers where things are: each document's line and the line of every node.

PyYAML's composer keeps node marks; walking the node tree beside the constructed data gives a map from
a field path (keys and list indexes) to its 1-based line, which error messages use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[Any, ...]


@dataclass
class Document:
    data: Any
    line: int
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, loc: Path) -> int:
        """The line of the deepest existing node on `loc` (the document line at worst)."""
        for end in range(len(loc), 0, -1):
            found = self.lines.get(tuple(loc[:end]))
            if found is not None:
                return found
        return self.line


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


#: Nodes a document may expand to once its aliases are followed: far above any real manifest (a 4,000-line
#: Workflow has ~10,000), far below what an alias bomb ("billion laughs") needs to hurt.
MAX_EXPANDED_NODES = 200_000


def _expanded_size(node: yaml.Node, memo: dict[int, int], depth: int = 0) -> int:
    """How many nodes `node` stands for once aliases are expanded (each shared node counted per use)."""
    known = memo.get(id(node))
    if known is not None:
        return known
    if depth > 500:
        raise YamlSyntaxError("YAML error: the document is nested more than 500 levels deep", node.start_mark.line + 1)
    size = 1
    if isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, memo, depth + 1) + _expanded_size(v, memo, depth + 1) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(item, memo, depth + 1) for item in node.value)
    memo[id(node)] = size
    if size > MAX_EXPANDED_NODES:
        raise YamlSyntaxError(f"YAML error: aliases expand this document beyond {MAX_EXPANDED_NODES} nodes "
                              "(an alias bomb?)", node.start_mark.line + 1)
    return size


def _check_duplicate_keys(node: yaml.MappingNode) -> None:
    seen: dict[Any, int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        line = key.start_mark.line + 1
        if key.value in seen:
            raise YamlSyntaxError(f"YAML error: duplicate key {key.value!r} (first on line {seen[key.value]})", line)
        seen[key.value] = line


def _walk(node: yaml.Node, path: Path, out: dict[Path, int]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        _check_duplicate_keys(node)
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                out.setdefault(path + (key.value,), key.start_mark.line + 1)
                _walk(value, path + (key.value,), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), out)


def read_documents(text: str) -> tuple[list[Document], YamlSyntaxError | None]:
    """Parse every document of a multi-document YAML text. A syntax error stops reading: the documents
    before it are returned together with the error."""
    docs: list[Document] = []
    try:
        loader = yaml.SafeLoader(text)  # checks the characters first: a NUL or other unprintable one fails here
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return docs, YamlSyntaxError(f"YAML syntax error: {_one_line(exc)}", mark.line + 1 if mark else None)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            _expanded_size(node, {})
            lines: dict[Path, int] = {}
            _walk(node, (), lines)
            data = loader.construct_document(node)
            docs.append(Document(data, node.start_mark.line + 1, lines))
    except YamlSyntaxError as exc:
        return docs, exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        return docs, YamlSyntaxError(f"YAML syntax error: {_one_line(exc)}", line)
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. unhashable merge keys, huge nesting
        return docs, YamlSyntaxError(f"YAML error: {exc}", None)
    finally:
        loader.dispose()
    return docs, None


def _one_line(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    parts = [p for p in (context, problem) if p]
    return ", ".join(parts) if parts else str(exc).splitlines()[0]
