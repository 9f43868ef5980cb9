"""Compute (INST, v1beta per the table, v1 in the samples): binds a name to a node pool (§17)."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from user_space.model.base import Model
from user_space.model.envelope import Resource
from user_space.model.fields import StrMap

_TOLERATION_KEY = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._/-]*)")


class Toleration(Model):
    key: str | None = Field(None, max_length=253)
    operator: Literal["Equal", "Exists"] = "Equal"
    value: str | None = Field(None, max_length=63)
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None

    @field_validator("key")
    @classmethod
    def _key_chars(cls, value: str | None) -> str | None:
        if value is not None and not _TOLERATION_KEY.fullmatch(value):
            raise ValueError(f"toleration key {value!r} must start alphanumeric and use [A-Za-z0-9._/-]")
        return value


class NodePool(Model):
    node_selector: StrMap = Field(min_length=1)
    tolerations: list[Toleration]


class ComputeBlock(Model):
    dataplane: str = Field(min_length=1)
    purpose: Literal["runnable", "query", "gpu"]
    node_pool: NodePool


class Compute(Resource):
    TYPE: ClassVar[str] = "compute"
    KIND: ClassVar[str] = "Compute"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1beta", "v1")
    SCOPE: ClassVar[str] = "instance"
    type: Literal["compute"]
    compute: ComputeBlock
