"""What one compile run knows about every Resource: lookups by name, and what workspaces import.

Resources reference each other by name (a job's `compute`, `dataosSecrets`, a UDL's depot, a beacon's
database); the index answers those lookups, and records what a workspace needs copied into its
namespace (an Instance Secret's Secret, a Depot's connection ConfigMap) because pods only mount objects
of their own namespace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core_kernel.context import PlatformContext
from user_space.compiler.common import Res
from user_space.compiler.stacks import StackRegistry


@dataclass
class Index:
    context: PlatformContext
    resources: list[Res]
    stacks: StackRegistry = field(init=False)
    # (workspace, depot) and (workspace, instance secret) pairs that must exist in that workspace.
    depot_imports: set[tuple[str, str]] = field(default_factory=set)
    secret_imports: set[tuple[str, str]] = field(default_factory=set)
    # workspace -> features its pods need (egress to postgres/catalog, workflows, spark, ingress, metrics)
    needs: dict[str, set[str]] = field(default_factory=dict)
    # parts of Resources that compiled only partly (reported as Unsupported next to the objects)
    notes: list[Any] = field(default_factory=list)
    # (type, name) -> the Resources of that identity, in manifest order: `find` stays O(1) with 10,000 Resources.
    by_name: dict[tuple[str, str], list[Res]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.stacks = StackRegistry([r.data for r in self.resources if r.type == "stack"])
        for r in self.resources:
            self.by_name.setdefault((r.type, r.name), []).append(r)

    def of_type(self, type_name: str) -> list[Res]:
        return [r for r in self.resources if r.type == type_name]

    def find(self, type_name: str, name: str, workspace: str | None = None) -> Res | None:
        for r in self.by_name.get((type_name, name), ()):
            if workspace is None or r.workspace == workspace:
                return r
        return None

    def depots(self) -> dict[str, dict[str, Any]]:
        """Depot name -> {"type", "connection", "secrets", "source"} for declared Depots and Lakehouses."""
        from user_space.compiler.depot import depot_facts  # local: depot imports this module

        return depot_facts(self)

    def need(self, workspace: str, feature: str) -> None:
        self.needs.setdefault(workspace, set()).add(feature)

    def workspaces(self) -> list[str]:
        return sorted({r.workspace for r in self.resources} | set(self.needs))
