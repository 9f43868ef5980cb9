"""References between Resources, resolved across a whole GitOps folder before anything compiles.

A runnable names its compute, its stack, its secrets and its volumes; a Depot names its Instance Secrets. Each
name must resolve inside the folder (or, for computes, to a node pool of the platform context when one is
given, or to DataOS's default computes). A dangling reference is a `FieldError` on the referring field, with
the names that do exist and a suggestion: `no compute named 'gpu-big' (defined: gpu, runnable-default)`.

Pure: no Pulumi, no I/O. `kernelctl validate`, `kernelctl render` and the GitOps loader share it, so the
compiler never sees a folder whose objects would point at nothing (a `claimName` of a missing Volume).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from core_kernel.context import PlatformContext
from user_space.compiler.pods import WELL_KNOWN_COMPUTE
from user_space.compiler.stacks import StackRegistry, UnknownStack, UnsupportedStack
from user_space.compiler.common import manifest_view
from user_space.model import LoadedResource
from user_space.model.errors import FieldError, format_path

Loc = tuple[Any, ...]
RUNNABLE_TYPES = ("service", "worker")


@dataclass
class Declared:
    """What a folder declares, by name: computes, stacks, secrets per workspace, volumes per workspace."""

    computes: set[str] = field(default_factory=set)
    stacks: StackRegistry = field(default_factory=StackRegistry)
    secrets: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (workspace, name) -> keys
    instance_secrets: dict[str, set[str]] = field(default_factory=dict)
    volumes: set[tuple[str, str]] = field(default_factory=set)
    #: False where node pools are not known yet (`pulumi up` before the cluster exists): computes are then
    #: checked when the runtime compiles against the platform context.
    pools_known: bool = True

    @classmethod
    def of(cls, views: list[dict[str, Any]], pools_known: bool = True) -> Declared:
        found = cls(stacks=StackRegistry([v for v in views if v.get("type") == "stack"]), pools_known=pools_known)
        for view in views:
            kind, name = view.get("type"), view.get("name")
            if not isinstance(kind, str) or not isinstance(name, str):
                continue
            workspace = view.get("workspace") if isinstance(view.get("workspace"), str) else "public"
            if kind == "compute":
                found.computes.add(name)
            elif kind == "secret":
                found.secrets[(workspace, name)] = _keys(view.get(kind))
            elif kind == "instance-secret":
                found.instance_secrets[name] = _keys(view.get(kind))
            elif kind == "volume":
                found.volumes.add((workspace, name))
        return found


def _keys(block: Any) -> set[str]:
    if not isinstance(block, dict):
        return set()
    return {str(k) for part in ("data", "files") if isinstance(block.get(part), dict) for k in block[part]}


def dangling(name: str, what: str, known: set[str] | list[str]) -> str:
    """`no compute named 'gpu-big' (defined: a, b); did you mean 'gpu'?`"""
    names = sorted(set(known))
    text = f"no {what} named {name!r} (defined: {', '.join(names) if names else 'none'})"
    close = difflib.get_close_matches(name, names, n=1)
    return text + (f"; did you mean {close[0]!r}?" if close else "")


# ----- where references are ---------------------------------------------------------------------------------
def runnable_specs(view: dict[str, Any], loc: Loc = ()) -> Iterator[tuple[Loc, dict[str, Any], str]]:
    """(path, runnable block, workspace) of every runnable block in a manifest view, Bundle members included."""
    kind = view.get("type")
    workspace = view.get("workspace") or "public"
    block = view.get(kind) if isinstance(kind, str) else None
    if not isinstance(block, dict):
        return
    if kind in RUNNABLE_TYPES:
        yield loc + (kind,), block, workspace
    elif kind == "workflow":
        yield from _dag_specs(block, loc + (kind,), workspace)
    elif kind == "bundle":
        for index, entry in enumerate(block.get("resources") or []):
            spec = entry.get("spec") if isinstance(entry, dict) else None
            if isinstance(spec, dict):
                member = {**spec, "workspace": entry.get("workspace") or spec.get("workspace") or workspace}
                yield from runnable_specs(member, loc + (kind, "resources", index, "spec"))


def _dag_specs(block: dict[str, Any], loc: Loc, workspace: str) -> Iterator[tuple[Loc, dict[str, Any], str]]:
    for index, job in enumerate(block.get("dag") or []):
        if isinstance(job.get("spec"), dict):
            yield loc + ("dag", index, "spec"), job["spec"], workspace
        if isinstance(job.get("workflow"), dict):
            yield from _dag_specs(job["workflow"], loc + ("dag", index, "workflow"), workspace)


# ----- checks ------------------------------------------------------------------------------------------------
def runnable_problems(spec: dict[str, Any], loc: Loc, workspace: str, declared: Declared,
                      context: PlatformContext | None) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    computes = declared.computes | set(WELL_KNOWN_COMPUTE) | set(context.node_pools if context else ())
    compute = spec.get("compute")
    if isinstance(compute, str) and compute not in computes and declared.pools_known:
        hint = "" if context else " (a stack's node pools count too: give --stack NAME)"
        problems.append((loc + ("compute",), dangling(compute, "compute", computes) + hint))
    stack = spec.get("stack")
    if isinstance(stack, str):
        problems += stack_problems(spec, stack, loc, declared)
    for key in ("secrets", "dataosSecrets"):
        for index, ref in enumerate(spec.get(key) or []):
            problems += secret_problems(ref, loc + (key, index), workspace, declared)
    problems += volume_problems(spec, loc, workspace, declared)
    return problems


def stack_problems(spec: dict[str, Any], ref: str, loc: Loc, declared: Declared) -> list[tuple[Loc, str]]:
    """The stack must exist, and the payload (`stackSpec` or the legacy key) must match its JSON Schema."""
    from user_space.compiler.runnable import payload_of, payload_problem

    try:
        stack = declared.stacks.resolve(ref)
    except UnknownStack as exc:
        return [(loc + ("stack",), str(exc))]
    except UnsupportedStack:
        return []  # reported by the compiler as unsupported, not a dangling name
    payload = payload_of(spec, ref)
    problem = payload_problem(stack, payload)
    if problem is None:
        return []
    key = "stackSpec" if spec.get("stackSpec") is not None or payload == {} else next(
        (k for k in ref.split(":")[0].split("+") if spec.get(k) is payload), "stackSpec")
    return [(loc + (key, *problem[0]), problem[1])]


def secret_problems(ref: Any, loc: Loc, workspace: str, declared: Declared) -> list[tuple[Loc, str]]:
    """A Secret of the same workspace, else an Instance Secret (as the compiler resolves them)."""
    where = loc if isinstance(ref, str) else loc + ("name",)
    ref = {"name": ref} if isinstance(ref, str) else ref
    name, ws = ref.get("name"), ref.get("workspace")
    if not isinstance(name, str):
        return []
    if ws and ws != workspace:
        return [(loc + ("workspace",), f"secret {name!r} of workspace {ws!r} is not visible from workspace "
                                       f"{workspace!r}; use an Instance Secret")]
    found = declared.secrets.get((workspace, name))
    if found is None and not ws:
        found = declared.instance_secrets.get(name)
    if found is None:
        known = {n for (w, n) in declared.secrets if w == workspace} | set(declared.instance_secrets)
        return [(where, dangling(name, f"Secret (workspace {workspace!r}) or Instance Secret", known))]
    keys = set(ref.get("keys") or []) | ({ref["key"]} if ref.get("key") else set())
    missing = sorted(keys - found)
    if missing:
        return [(loc, f"secret {name!r} has no key(s) {', '.join(missing)} (keys: {', '.join(sorted(found))})")]
    return []


def volume_problems(spec: dict[str, Any], loc: Loc, workspace: str, declared: Declared) -> list[tuple[Loc, str]]:
    known = {n for (w, n) in declared.volumes if w == workspace}
    wanted: list[tuple[Loc, str]] = [(loc + ("dataosVolumes", i, "name"), v.get("name"))
                                     for i, v in enumerate(spec.get("dataosVolumes") or []) if isinstance(v, dict)]
    if isinstance(spec.get("persistentVolume"), dict):
        wanted.append((loc + ("persistentVolume", "name"), spec["persistentVolume"].get("name")))
    if isinstance(spec.get("tempVolume"), str):
        wanted.append((loc + ("tempVolume",), spec["tempVolume"]))
    return [(where, dangling(name, f"Volume in workspace {workspace!r}", known))
            for where, name in wanted if isinstance(name, str) and name not in known]


def depot_problems(view: dict[str, Any], declared: Declared) -> list[tuple[Loc, str]]:
    """A Depot's credentials are Instance Secrets (a Depot belongs to no workspace)."""
    block = view.get("depot") if view.get("type") == "depot" else None
    if not isinstance(block, dict):
        return []
    problems = []
    for key in ("secrets", "dataosSecrets"):
        for index, ref in enumerate(block.get(key) or []):
            name = ref.get("name") if isinstance(ref, dict) else None
            if isinstance(name, str) and name not in declared.instance_secrets:
                problems.append((("depot", key, index, "name"),
                                 dangling(name, "Instance Secret", declared.instance_secrets)))
    return problems


def reference_problems(views: list[dict[str, Any]], context: PlatformContext | None = None,
                       pools_known: bool = True, also_declared: list[dict[str, Any]] | None = None
                       ) -> list[list[tuple[Loc, str]]]:
    """For each view (same order), its dangling references as (field path, message). `also_declared`: manifests
    that count as declared without being checked (invalid ones, reported on their own)."""
    declared = Declared.of(_with_bundle_members(views + list(also_declared or [])), pools_known)
    out = []
    for view in views:
        problems = depot_problems(view, declared)
        for loc, spec, workspace in runnable_specs(view):
            problems += runnable_problems(spec, loc, workspace, declared, context)
        out.append(problems)
    return out


def _with_bundle_members(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    members = []
    for view in views:
        block = view.get("bundle") if view.get("type") == "bundle" else None
        entries = block.get("resources") if isinstance(block, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            spec = entry.get("spec") if isinstance(entry, dict) else None
            if isinstance(spec, dict) and isinstance(spec.get("type"), str):
                members.append({**spec, "workspace": entry.get("workspace") or spec.get("workspace")})
    return views + members


def as_field_errors(problems: list[tuple[Loc, str]], line_of: Any) -> list[FieldError]:
    return [FieldError(format_path(loc), message, line_of(loc) if line_of else None) for loc, message in problems]


def check_loaded(loaded: list[LoadedResource], context: PlatformContext | None = None,
                 pools_known: bool = True) -> None:
    """Add, in place, the folder-wide errors of loaded Resources: dangling references, and the same Resource
    (type, name, workspace) declared twice (an error on each, naming the other file and line)."""
    valid = [item for item in loaded if item.resource is not None]
    views = [manifest_view(item.resource) for item in valid]
    # An invalid Resource still exists for its referrers: its own errors say what is wrong with it.
    invalid = [item.data for item in loaded if item.resource is None and isinstance(item.data, dict)
               and isinstance(item.type, str) and isinstance(item.name, str)]
    first: dict[tuple[str, str, str], LoadedResource] = {}
    for item, view, problems in zip(valid, views, reference_problems(views, context, pools_known, invalid)):
        item.errors.extend(as_field_errors(problems, item.line_of))
        key = (view["type"], view["name"], view.get("workspace") or "")
        if key in first:
            other = first[key]
            item.errors.append(FieldError("name", f"{view['type']} {view['name']!r} is also declared in "
                                                  f"{other.file}:{other.line}", item.line))
            other.errors.append(FieldError("name", f"{view['type']} {view['name']!r} is also declared in "
                                                   f"{item.file}:{item.line}", other.line))
        else:
            first[key] = item
    for item in valid:
        if item.errors:
            item.resource = None
