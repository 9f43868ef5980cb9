"""A Mermaid flowchart of a plan: layers as subgraphs, components as nodes, dependencies as edges.

Only components (not every leaf resource) become nodes, so the chart stays readable; an edge A --> B
means something inside B depends on something inside A.
"""

from __future__ import annotations

import re

from kernelctl.plan.assemble import LAYER_ORDER
from kernelctl.plan.runner import PlanResult

LAYER_TITLES = {"cloud_kernel": "Cloud kernel", "core_kernel": "Core kernel", "user_space": "User space"}


def _node_id(urn: str, ids: dict[str, str]) -> str:
    if urn not in ids:
        ids[urn] = f"n{len(ids)}"
    return ids[urn]


def _label(text: str) -> str:
    return re.sub(r'["<>]', "", text)


def mermaid(result: PlanResult) -> str:
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

    ids: dict[str, str] = {}
    lines = ["flowchart TB"]
    for layer in LAYER_ORDER:
        members = sorted(urn for urn, c in components.items() if c["layer"] == layer)
        if not members:
            continue
        lines.append(f'  subgraph {layer}["{LAYER_TITLES[layer]}"]')
        for urn in members:
            c = components[urn]
            kind = c["type"].rsplit(":", 1)[-1]
            lines.append(f'    {_node_id(urn, ids)}["{_label(kind)}<br/>{_label(c["name"])}"]')
        lines.append("  end")
    for source, target in sorted(edges, key=lambda e: (_node_id(e[0], ids), _node_id(e[1], ids))):
        lines.append(f"  {_node_id(source, ids)} --> {_node_id(target, ids)}")
    return "\n".join(lines) + "\n"
