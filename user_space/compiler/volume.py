"""Volume -> PersistentVolumeClaim on the storage class its type maps to.

`temp`/`persistent` are DataOS-managed shared volumes: the shared (ReadWriteMany) class when the
environment has one, else the default class. `CloudTemp`/`CloudPersistent` are single-writer cloud disks:
the `fast` class when configured, else the default. `persistent` claims keep their data on delete.
"""

from __future__ import annotations

from typing import Any

from user_space.compiler.common import CompileError, Res, dns_name, metadata, obj
from user_space.compiler.index import Index


def pvc_name(volume: str) -> str:
    return dns_name("vol", volume, limit=253)


def storage_class_for(idx: Index, res: Res, vtype: str, access_mode: str) -> str:
    storage = idx.context.storage
    if vtype in ("temp", "persistent"):
        if access_mode == "ReadWriteMany" or vtype in ("temp", "persistent"):
            if storage.shared_class:
                return storage.shared_class
        if access_mode == "ReadWriteMany":
            raise CompileError(res.resource_id, "ReadWriteMany needs a shared volume class, none in this environment")
        return storage.default_class
    return storage.classes.get("fast", storage.default_class)


def compile_volume(idx: Index, res: Res) -> list[dict[str, Any]]:
    block = res.block
    cls = storage_class_for(idx, res, block["type"], block["accessMode"])
    extra = {"cloudkernel.io/volume-type": block["type"]}
    annotations = {"cloudkernel.io/reclaim": "retain" if "ersistent" in block["type"] else "delete"}
    return [obj("v1", "PersistentVolumeClaim",
                metadata(res, pvc_name(res.name), component="volume", extra_labels=extra,
                         extra_annotations=annotations),
                spec={"accessModes": [block["accessMode"]], "storageClassName": cls,
                      "resources": {"requests": {"storage": str(block["size"])}}})]
