"""Grant (INST, v1alpha): assigns a use case to subjects (§20)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from user_space.model.base import Model
from user_space.model.envelope import Resource


class GrantBlock(Model):
    """`values` varies between a map keyed by authorization atom and a flat list (§26), so it is open."""

    policy_use_case_id: str = Field(min_length=1, alias="policy_use_case_id")
    subjects: list[str] = Field(default_factory=list)
    values: dict[str, list[dict[str, Any]]] | list[dict[str, Any]] = Field(default_factory=dict)
    requester: str | None = None
    notes: str | None = None
    approve: bool = False
    collection: str = "default"
    manage_as_user: str | None = None


class Grant(Resource):
    TYPE: ClassVar[str] = "grant"
    KIND: ClassVar[str] = "Grant"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1alpha",)
    SCOPE: ClassVar[str] = "instance"
    type: Literal["grant"]
    grant: GrantBlock
