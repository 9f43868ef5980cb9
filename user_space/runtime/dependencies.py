"""What a Resource needs before it can run: the Secrets, Depots, Volumes, Computes and Databases it names.

Pure: reads manifest views only. The compiler is lenient about a missing reference (an undeclared Secret is
mounted by name, an undeclared Depot's UDL is left alone), which is right for `render` of a partial folder and
wrong for a cluster: the runtime makes such a Resource wait, with a condition naming what is missing, and
reconciles it as soon as that Resource appears.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from user_space.compiler.common import Res
from user_space.compiler.lakehouse import lakehouse_depot_name
from user_space.compiler.pods import WELL_KNOWN_COMPUTE, find_udls
from user_space.model.udl import UdlError, parse_udl

RUNNABLE_TYPES = frozenset({"service", "worker", "workflow"})


@dataclass(frozen=True, order=True)
class Ref:
    """A reference to another Resource: type, name and (for workspace types) workspace."""

    type: str
    name: str
    workspace: str | None = None

    def __str__(self) -> str:
        return f"{self.type} {self.workspace}/{self.name}" if self.workspace else f"{self.type} {self.name}"


def _runnable_specs(res: Res) -> list[dict[str, Any]]:
    """The pod-producing specs of a Resource: the block itself, or each DAG job's spec of a Workflow."""
    if res.type in ("service", "worker"):
        return [res.block]
    if res.type == "workflow":
        return [job.get("spec") or {} for job in res.block.get("dag") or []]
    if res.type == "database":
        return [{"compute": res.block.get("compute", "runnable-default")}]
    return []


def _secret_refs(res: Res, spec: dict[str, Any]) -> list[Ref]:
    refs = []
    for ref in (spec.get("secrets") or []) + (spec.get("dataosSecrets") or []):
        name = ref if isinstance(ref, str) else ref.get("name")
        if name:
            refs.append(Ref("secret", name, (ref if isinstance(ref, dict) else {}).get("workspace") or res.workspace))
    return refs


def _volume_refs(res: Res, spec: dict[str, Any]) -> list[Ref]:
    names = [v.get("name") for v in spec.get("dataosVolumes") or []]
    names.append((spec.get("persistentVolume") or {}).get("name"))
    names.append(spec.get("tempVolume"))
    return [Ref("volume", n, res.workspace) for n in names if n]


def _depot_refs(spec: dict[str, Any]) -> list[Ref]:
    refs = []
    for text in find_udls(spec.get("stackSpec") or {}):
        try:
            refs.append(Ref("depot", parse_udl(text).depot))
        except UdlError:
            continue
    return refs


def _database_refs(res: Res, spec: dict[str, Any]) -> list[Ref]:
    source = (spec.get("stackSpec") or {}).get("source") or {}
    if source.get("type") == "database" and source.get("name"):
        return [Ref("database", source["name"], source.get("workspace") or res.workspace)]
    return []


def references(res: Res) -> list[Ref]:
    """Every Resource `res` names, sorted and without duplicates."""
    refs: list[Ref] = []
    for spec in _runnable_specs(res):
        if spec.get("compute"):
            refs.append(Ref("compute", spec["compute"]))
        refs += _secret_refs(res, spec) + _volume_refs(res, spec) + _depot_refs(spec) + _database_refs(res, spec)
    if res.type == "depot":
        block = res.block
        for ref in (block.get("secrets") or []) + (block.get("dataosSecrets") or []):
            refs.append(Ref("instance-secret", ref if isinstance(ref, str) else ref["name"]))
    return sorted(set(refs))


class Known:
    """What exists: the Resources the runtime has seen, plus the node pools of the platform context."""

    def __init__(self, resources: Iterable[Res], node_pools: Iterable[str] = ()):
        self.by_key: dict[tuple[str, str | None, str], Res] = {}
        self.depots: dict[str, Res] = {}
        self._stacks: dict[str, Res] = {}
        self.node_pools = set(node_pools)
        for res in resources:
            self.add(res)

    def add(self, res: Res) -> None:
        self.by_key[(res.type, None if res.instance_level else res.workspace, res.name)] = res
        if res.type == "depot":
            self.depots[res.name] = res
        elif res.type == "lakehouse":
            self.depots[lakehouse_depot_name(res)] = res
        elif res.type == "stack":
            self._stacks[res.name] = res

    def remove(self, res: Res) -> None:
        self.by_key.pop((res.type, None if res.instance_level else res.workspace, res.name), None)
        if res.type == "stack":
            self._stacks.pop(res.name, None)
        for name, value in list(self.depots.items()):
            if value.resource_id == res.resource_id:
                del self.depots[name]

    def resolve(self, ref: Ref) -> Res | None:
        """The Resource a reference points at, None when it does not exist (yet)."""
        if ref.type == "depot":
            return self.depots.get(ref.name)
        if ref.type == "secret":
            return self.by_key.get(("secret", ref.workspace, ref.name)) or self.by_key.get(
                ("instance-secret", None, ref.name))
        if ref.type in ("compute", "instance-secret"):
            return self.by_key.get((ref.type, None, ref.name))
        return self.by_key.get((ref.type, ref.workspace, ref.name))

    def satisfied_without_resource(self, ref: Ref) -> bool:
        """A Compute may name a node pool of the platform or a well-known Compute instead of a Resource."""
        return ref.type == "compute" and (ref.name in self.node_pools or ref.name in WELL_KNOWN_COMPUTE)

    def stacks(self) -> list[Res]:
        return [self._stacks[name] for name in sorted(self._stacks)]


def missing(res: Res, known: Known) -> list[Ref]:
    """The references of `res` that resolve to nothing: the reasons it waits."""
    return [ref for ref in references(res)
            if known.resolve(ref) is None and not known.satisfied_without_resource(ref)]


def compile_set(res: Res, known: Known) -> list[Res]:
    """`res` and what its compile reads: the Resources it references (and theirs, one level: a Depot's
    Instance Secrets) plus every user Stack, so a per-Resource compile sees what a whole-folder one would."""
    chosen: dict[str, Res] = {res.resource_id: res}
    for ref in references(res):
        target = known.resolve(ref)
        if target is None:
            continue
        chosen.setdefault(target.resource_id, target)
        for inner in references(target):
            found = known.resolve(inner)
            if found is not None and inner.type in ("instance-secret", "secret"):
                chosen.setdefault(found.resource_id, found)
    for stack in known.stacks():
        chosen.setdefault(stack.resource_id, stack)
    return list(chosen.values())
