"""Compiled objects of a stack's GitOps folder, for `kernelctl plan` and `kernelctl render`. No Pulumi import.

`load_and_compile(paths, context)` loads manifests (as `kernelctl validate` does), inlines Database
migration folders next to their manifests, and compiles. `compiled_plan_objects(spec,
kubernetes_objects, root)` finds the core kernel's `platform-context` ConfigMap among the plan's objects and
compiles the stack's manifests folder (`cloud-kernel:userSpace.manifests`) against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core_kernel.context import CONTEXT_CONFIGMAP, CONTEXT_KEY, PLATFORM_NAMESPACE, PlatformContext
from user_space.compiler import CompileResult, compile_resources
from user_space.gitops import InvalidManifests, LoadedFolder, load_manifests, manifests_folder
from user_space.specs import UserSpaceSpec


@dataclass
class Loaded:
    folder: LoadedFolder
    result: CompileResult = field(default_factory=CompileResult)

    @property
    def invalid(self) -> list[str]:
        return self.folder.problems


def context_from_objects(objects: list[dict[str, Any]]) -> PlatformContext:
    for obj in objects:
        meta = obj.get("metadata") or {}
        if (obj.get("kind") == "ConfigMap" and meta.get("name") == CONTEXT_CONFIGMAP
                and meta.get("namespace", PLATFORM_NAMESPACE) == PLATFORM_NAMESPACE):
            data = (obj.get("data") or {}).get(CONTEXT_KEY)
            if isinstance(data, str):
                return PlatformContext.from_json(data)
    raise LookupError(f"no ConfigMap {PLATFORM_NAMESPACE}/{CONTEXT_CONFIGMAP} with {CONTEXT_KEY} in the plan "
                      "(is the core kernel enabled in this stack?)")


def load_and_compile(paths: list[str | Path], context: PlatformContext) -> Loaded:
    loaded = Loaded(load_manifests(paths, context))
    if not loaded.invalid:
        loaded.result = compile_resources(loaded.folder.views, context)
    return loaded


def compiled_plan_objects(
    spec: UserSpaceSpec, kubernetes_objects: list[dict[str, Any]], root: Path
) -> list[dict[str, Any]]:
    """Objects compiled from the stack's manifests folder; [] when user space is disabled.

    Raises InvalidManifests for invalid manifests, and `user_space.compiler.CompileFailed` for compile errors.
    """
    from user_space.compiler import CompileFailed

    if not spec.enabled:
        return []
    folder = manifests_folder(spec, root)
    context = context_from_objects(kubernetes_objects)
    loaded = load_and_compile([folder], context)
    if loaded.invalid:
        raise InvalidManifests(loaded.invalid)
    if loaded.result.errors:
        raise CompileFailed(loaded.result.errors)
    return redact_secrets(loaded.result.objects)


REDACTED = "[secret]"
SECRET_DATA_FIELDS = ("data", "stringData")


def redact_secrets(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of `objects` in which every value of a Secret's `data`/`stringData` reads "[secret]" (the keys
    stay, so a reader sees what the Secret holds). What `kernelctl plan` writes and `render` prints."""
    out = []
    for obj in objects:
        if obj.get("kind") == "Secret" and str(obj.get("apiVersion")) == "v1":
            obj = {**obj, **{part: {key: REDACTED for key in obj[part]} for part in SECRET_DATA_FIELDS
                              if isinstance(obj.get(part), dict)}}
        out.append(obj)
    return out


class _BlockDumper(yaml.CSafeDumper):
    """Multi-line strings (SQL, config files) as literal blocks: readable renders and golden diffs. libyaml's
    emitter (`CSafeDumper`) writes them: the pure-Python one took most of the time of writing a plan."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.CSafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value and not any(line != line.rstrip() for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_BlockDumper.add_representer(str, _str)


def dump_yaml(value: Any) -> str:
    return yaml.dump(value, Dumper=_BlockDumper, sort_keys=False, default_flow_style=False, width=120)
