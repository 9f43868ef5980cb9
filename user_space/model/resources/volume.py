"""Volume (WS, v1beta): a PVC abstraction in four flavours (§8)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from user_space.model.base import Model
from user_space.model.envelope import Resource
from user_space.model.fields import Quantity


class VolumeBlock(Model):
    size: Quantity
    access_mode: Literal["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"]
    type: Literal["temp", "persistent", "CloudTemp", "CloudPersistent"]

    @model_validator(mode="after")
    def _cloud_is_single_writer(self) -> VolumeBlock:
        if self.type in ("CloudTemp", "CloudPersistent") and self.access_mode != "ReadWriteOnce":
            raise ValueError(f"{self.type} volumes attach to a single workload: accessMode must be ReadWriteOnce")
        return self


class Volume(Resource):
    TYPE: ClassVar[str] = "volume"
    KIND: ClassVar[str] = "Volume"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1beta",)
    type: Literal["volume"]
    volume: VolumeBlock
