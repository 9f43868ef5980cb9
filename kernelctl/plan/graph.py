"""The plan as a graph, in Mermaid or Graphviz dot: layers as subgraphs, components as nodes, dependencies as
edges, and a legend.

Only components (not every leaf resource) become nodes, so the chart stays readable; an edge A --> B
means something inside B depends on something inside A. Edges implied by others (A --> B --> C makes
A --> C redundant) and edges that only repeat the parent/child relation are left out.
"""

from __future__ import annotations

import re

from kernelctl.plan.assemble import LAYER_ORDER

LAYER_TITLES = {"cloud_kernel": "Cloud kernel", "core_kernel": "Core kernel", "user_space": "User space"}


def _node_id(urn: str, ids: dict[str, str]) -> str:
    if urn not in ids:
        ids[urn] = f"n{len(ids)}"
    return ids[urn]


def _label(text: str) -> str:
    return re.sub(r'["<>]', "", text)


LEGEND = "an arrow from A to B: something in B depends on something in A (implied arrows omitted)"


def graph_model(result) -> tuple[dict[str, list[tuple[str, str, str]]], list[tuple[str, str]]]:
    """({layer: [(urn, kind, name)]}, edges between component urns), edges transitively reduced."""
    entries = {r["urn"]: r for r in result.resources}
    components = {urn: r for urn, r in entries.items() if not r["custom"]}

    def owner(urn: str) -> str | None:
        """The nearest component at or above a resource."""
        current = entries.get(urn)
        while current is not None:
            if current["urn"] in components:
                return current["urn"]
            current = entries.get(current["parent"]) if current["parent"] else None
        return None

    edges: set[tuple[str, str]] = set()
    for entry in entries.values():
        target = owner(entry["urn"])
        for dependency in entry["dependencies"]:
            source = owner(dependency)
            if source and target and source != target:
                edges.add((source, target))
    # An edge that only repeats the parent/child relation says nothing.
    edges = {(s, t) for s, t in edges if components[t]["parent"] != s and components[s]["parent"] != t}
    layers = {layer: [(urn, c["type"].rsplit(":", 1)[-1], c["name"]) for urn, c in sorted(components.items())
                      if c["layer"] == layer] for layer in LAYER_ORDER}
    return {k: v for k, v in layers.items() if v}, sorted(transitive_reduction(edges))


def transitive_reduction(edges: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Drop an edge a -> c when c is also reachable from a through another node (cycles keep their edges)."""
    succ: dict[str, set[str]] = {}
    for a, b in edges:
        succ.setdefault(a, set()).add(b)

    def reachable_without(start: str, skip: tuple[str, str]) -> set[str]:
        seen: set[str] = set()
        stack = [start]
        while stack:
            node = stack.pop()
            for nxt in succ.get(node, ()):
                if (node, nxt) != skip and nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    return {(a, c) for a, c in edges if c not in reachable_without(a, (a, c))}


def _chart(result, head: list[str], layer_open: str, node: str, layer_close: str, edge: str,
           tail: list[str]) -> str:
    """The one walk both formats share; the pieces are format strings over layer, title, id, kind, name, a, b."""
    layers, edges = graph_model(result)
    ids: dict[str, str] = {}
    lines = list(head)
    for layer, members in layers.items():
        lines.append(layer_open.format(layer=layer, title=LAYER_TITLES[layer]))
        lines += [node.format(id=_node_id(urn, ids), kind=_label(kind), name=_label(name)) for urn, kind, name in members]
        lines.append(layer_close)
    for source, target in sorted(edges, key=lambda e: (_node_id(e[0], ids), _node_id(e[1], ids))):
        lines.append(edge.format(a=_node_id(source, ids), b=_node_id(target, ids)))
    return "\n".join(lines + tail) + "\n"


def mermaid(result) -> str:
    return _chart(result, ["flowchart TB"], '  subgraph {layer}["{title}"]', '    {id}["{kind}<br/>{name}"]', "  end",
                  "  {a} --> {b}", ['  subgraph legend["Legend"]', f'    legend_text["{_label(LEGEND)}"]', "  end"])


def dot(result) -> str:
    head = ["digraph plan {", "  rankdir=TB;", '  node [shape=box, fontname="Helvetica"];',
            f'  label="{_label(LEGEND)}"; labelloc=b;']
    return _chart(result, head, '  subgraph cluster_{layer} {{ label="{title}";', '    {id} [label="{kind}\\n{name}"];',
                  "  }", "  {a} -> {b};", ["}"])


FORMATS = {"mermaid": mermaid, "dot": dot}
