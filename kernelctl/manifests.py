"""One YAML file per Kubernetes object, in one layout for `kernelctl plan` and `kernelctl render`:
`<namespace or _cluster>/<kind>.<group>-<name>.yaml`.

Files are written with their keys in one canonical order (`apiVersion`, `kind`, `metadata`, then the rest
sorted, at every level), so two runs over the same input give byte-identical files whatever order the
objects were built in. `replace_folder` writes a whole folder at once: into a temporary sibling first, then
swapped in, so a failure leaves the previous folder as it was and files of objects that are gone disappear.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from kernelctl.errors import EXIT_USAGE, Fail
from user_space.plan_objects import dump_yaml

MARKER = ".kernelctl-render"  # marks a folder `kernelctl render --out` owns (it may replace it)


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
            raise Fail(f"two Kubernetes objects would be written to {relative}")
        seen.add(relative)
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_yaml(canonical(obj)), encoding="utf-8")
        written.append(path)
    return written


def replace_folder(objects: list[dict[str, Any]], folder: Path) -> list[Path]:
    """Make `folder` hold exactly these objects' files. It must be missing, empty, or an earlier output of
    this command (it holds MARKER): a folder of other files is never overwritten."""
    if folder.exists() and not folder.is_dir():
        raise Fail(f"{folder} is a file, not a folder", EXIT_USAGE)
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise Fail(f"{folder} is not empty and was not written by `kernelctl render`: give an empty or new folder",
                   EXIT_USAGE)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    old = folder.parent / f"{staging.name}-old"
    try:
        written = write_manifests(objects, staging)
        (staging / MARKER).write_text("written by kernelctl render --out; replaced as a whole on each run\n",
                                      encoding="utf-8")
        if folder.exists():
            os.replace(folder, old)
        os.replace(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return [folder / path.relative_to(staging) for path in written]
