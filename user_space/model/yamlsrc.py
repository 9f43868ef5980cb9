"""YAML reading that remembers where things are: each document's line and the line of every node.

libyaml (`CSafeLoader`) composes the node tree with its marks; walking it beside the constructed data gives a
map from a field path (keys and list indexes) to its 1-based line, which error messages use. That walk only
happens when a message asks for a line (`Document.line_of`): a valid document costs the parse, the duplicate-key
check (done while constructing) and, only when the text has anchors and aliases, the alias-expansion check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[Any, ...]
# A document may hold this many nodes once aliases are expanded: far more than any stack file or manifest
# needs, far less than an alias bomb (a few lines that expand to billions of nodes) would take.
MAX_EXPANDED_NODES = 100_000
MERGE_TAG = "tag:yaml.org,2002:merge"
# Below both, a text nests at most ~350 levels: well within the recursion limit of the code that reads it.
MAX_UNCHECKED_CHARS = 20_000
MAX_UNCHECKED_INDICATORS = 150


@dataclass
class Document:
    data: Any
    line: int
    node: yaml.Node | None = field(default=None, repr=False, compare=False)
    _lines: dict[Path, int] | None = field(default=None, repr=False, compare=False)

    @property
    def lines(self) -> dict[Path, int]:
        """Field path -> line, built from the node tree on first use."""
        if self._lines is None:
            self._lines = {}
            if self.node is not None:
                _walk(self.node, (), self._lines)
        return self._lines

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


def _refuse(problem: str, node: yaml.Node) -> yaml.YAMLError:
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


def check_tree(root: yaml.Node, budget: int = MAX_EXPANDED_NODES) -> None:
    """Refuse, before anything is constructed, a document whose aliases expand past `budget` nodes or refer
    to themselves, and any mapping that repeats a key (YAML forbids it; PyYAML would keep the last silently)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in open_nodes:
            raise _refuse("an alias refers to a node that contains it (recursive alias)", node)
        open_nodes.add(id(node))
        total = 1
        if isinstance(node, yaml.MappingNode):
            _check_keys(node)
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        open_nodes.discard(id(node))
        if total > budget:
            raise _refuse(f"aliases expand this document past {budget} nodes (an alias bomb?)", node)
        sizes[id(node)] = total
        return total

    size(root)


def _check_keys(node: yaml.MappingNode) -> None:
    seen: set[tuple[str, str]] = set()
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == MERGE_TAG:
            continue
        if (key.tag, key.value) in seen:
            raise _refuse(f"duplicate key {key.value!r} (each key may appear once in a mapping)", key)
        seen.add((key.tag, key.value))


class _Loader(yaml.CSafeLoader):
    """libyaml's parser and composer (the same nodes and marks as the pure-Python loader, built in C), and a
    constructor that refuses a repeated key in the same pass that builds the mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        _check_keys(node)
        return super().construct_mapping(node, deep=deep)


def _needs_tree_check(text: str) -> bool:
    """Whether a text could expand through aliases or nest deeper than the code reading it can recurse.

    An alias needs an anchor: a text without both `&` and `*` cannot expand, nor refer to itself. A nesting
    level needs a flow opener, a `-` or `?` indicator, or a deeper indentation (depth d takes d*(d-1)/2 spaces):
    a short text with few of those cannot nest deeply. Any other text gets the full `check_tree`."""
    if "&" in text and "*" in text:
        return True
    return len(text) > MAX_UNCHECKED_CHARS or sum(text.count(c) for c in "[{-?") > MAX_UNCHECKED_INDICATORS


def read_documents(text: str) -> tuple[list[Document], YamlSyntaxError | None]:
    """Parse every document of a multi-document YAML text. A syntax error stops reading: the documents
    before it are returned together with the error."""
    docs: list[Document] = []
    checked = _needs_tree_check(text)
    try:
        loader = _Loader(text)  # a NUL or unprintable character is an error here
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return docs, YamlSyntaxError(f"YAML syntax error: {_one_line(exc)}", mark.line + 1 if mark else None)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if checked:
                check_tree(node)
            data = loader.construct_document(node)
            docs.append(Document(data, node.start_mark.line + 1, node))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        return docs, YamlSyntaxError(f"YAML syntax error: {_one_line(exc)}", line)
    except RecursionError:
        return docs, YamlSyntaxError("YAML error: nested too deeply to read", None)
    except (ValueError, TypeError) as exc:  # e.g. unhashable merge keys
        return docs, YamlSyntaxError(f"YAML error: {exc}", None)
    finally:
        loader.dispose()
    return docs, None


def _one_line(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    parts = [p for p in (context, problem) if p]
    return ", ".join(parts) if parts else str(exc).splitlines()[0]
