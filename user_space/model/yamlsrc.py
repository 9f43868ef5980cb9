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


def _walk(node: yaml.Node, path: Path, out: dict[Path, int]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
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
    loader = yaml.SafeLoader(text)
    docs: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            data = loader.construct_document(node)
            lines: dict[Path, int] = {}
            _walk(node, (), lines)
            docs.append(Document(data, node.start_mark.line + 1, lines))
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
