"""One YAML file per Kubernetes object, in one layout for `kernelctl plan` and `kernelctl render`:
`<namespace or _cluster>/<kind>.<group>-<name>.yaml`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from user_space.plan_objects import dump_yaml


def manifest_path(obj: dict[str, Any]) -> Path:
    metadata = obj.get("metadata", {})
    folder = metadata.get("namespace") or "_cluster"
    api_version = obj.get("apiVersion", "")
    group = api_version.split("/")[0] if "/" in api_version else "core"
    return Path(folder) / f"{obj.get('kind', 'Object').lower()}.{group}-{metadata.get('name', 'unnamed')}.yaml"


HEAD_KEYS = ("apiVersion", "kind", "metadata")


def canonical(value: Any, top: bool = True) -> Any:
    """Mappings with sorted keys (apiVersion, kind and metadata first at the top), so a file's bytes never
    depend on the order in which the program or the runtime built the object."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (HEAD_KEYS.index(k) if top and k in HEAD_KEYS else len(HEAD_KEYS), str(k)))
        return {k: canonical(value[k], top=False) for k in keys}
    if isinstance(value, list):
        return [canonical(item, top=False) for item in value]
    return value


def write_manifests(objects: list[dict[str, Any]], folder: Path) -> list[Path]:
    """Write every object; two objects with one path are an error, never a silent overwrite."""
    written: list[Path] = []
    seen: set[Path] = set()
    for obj in objects:
        relative = manifest_path(obj)
        if relative in seen:
            raise ValueError(f"two Kubernetes objects would be written to {relative}")
        seen.add(relative)
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_yaml(canonical(obj)), encoding="utf-8")
        written.append(path)
    return written
