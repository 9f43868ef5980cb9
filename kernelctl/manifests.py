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
        path.write_text(dump_yaml(obj), encoding="utf-8")
        written.append(path)
    return written
