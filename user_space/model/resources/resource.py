"""`resource` (WS, v1alpha; the table says v1beta): an instance of an Operator-managed external kind (§21).

Its `spec` is validated against the Operator's JSON Schema at apply time, so here it is an open mapping.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from user_space.model.base import Model
from user_space.model.envelope import Resource


class ResourceBlock(Model):
    operator: str = Field(min_length=1)
    type: str = Field(min_length=1)
    spec: dict[str, Any] = Field(default_factory=dict)


class OperatorResource(Resource):
    TYPE: ClassVar[str] = "resource"
    KIND: ClassVar[str] = "Resource"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1alpha", "v1beta")
    type: Literal["resource"]
    resource: ResourceBlock
