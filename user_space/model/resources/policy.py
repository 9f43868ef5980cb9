"""Policy (INST, v1): an ABAC access policy or a data (mask/filter) policy (§19)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from user_space.model.base import Model, OpenModel
from user_space.model.envelope import Resource

PREDICATES = frozenset({
    "create", "read", "update", "delete", "write", "access",
    "get", "put", "post", "options", "patch",
    "create_in", "read_in", "update_in", "delete_in",
})
MASK_OPERATORS = ("hash", "bucket_number", "bucket_date", "regex_replace", "rand_pattern", "redact", "pass_through")


def _groups(value: Any) -> Any:
    """Tags are a list of AND-groups (outer OR). Samples also write a flat list: each bare tag is then a
    group of one, which keeps the documented OR-of-ANDs meaning."""
    if isinstance(value, list):
        return [[item] if isinstance(item, str) else item for item in value]
    return value


TagGroups = Annotated[list[list[str]], BeforeValidator(_groups)]


class Subjects(Model):
    tags: TagGroups = Field(min_length=1)


class Objects(Model):
    paths: list[str] = Field(default_factory=list)
    tags: TagGroups = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> Objects:
        if not self.paths and not self.tags:
            raise ValueError("objects needs `paths` or `tags`")
        return self


class AccessPolicy(Model):
    """Predicates may use the wildcards of §19.3; a literal predicate must be one of the documented ones."""

    name: str | None = None
    description: str | None = None
    collection: str = "default"
    subjects: Subjects
    predicates: list[str] = Field(min_length=1)
    objects: Objects
    allow: bool = False

    @field_validator("predicates")
    @classmethod
    def _known_predicates(cls, value: list[str]) -> list[str]:
        bad = [p for p in value if p.lower() not in PREDICATES and not any(c in p for c in "*?[{")]
        if bad:
            raise ValueError(f"unknown predicate(s) {', '.join(bad)}; known: {', '.join(sorted(PREDICATES))}")
        return value


class UserSelector(Model):
    match: Literal["any", "all"] = "any"
    tags: list[str] = Field(default_factory=list)


class ColumnSelector(Model):
    tags: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)


class DataSelector(Model):
    user: UserSelector
    column: ColumnSelector | None = None


class Mask(OpenModel):
    """`operator` plus one parameter block named after it (`hash: {algo: sha256}`); parameters are open."""

    operator: Literal[MASK_OPERATORS]  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _params_named_after_operator(self) -> Mask:
        extra = sorted(k for k in (self.model_extra or {}) if k != self.operator)
        if extra:
            raise ValueError(f"unknown field(s) {', '.join(extra)}: mask parameters go under `{self.operator}:`")
        return self


class Filter(Model):
    column: str
    operator: Literal["equals", "not_equals"]
    value: Any


class DataPolicy(Model):
    type: Literal["mask", "filter"]
    name: str | None = None
    description: str | None = None
    priority: int | None = Field(None, ge=1, le=100)
    is_archived: bool = False
    depot: str | None = None
    collection: str | None = None
    dataset: str | None = None
    dataset_id: str | None = Field(None, alias="dataset_id")
    selector: DataSelector
    mask: Mask | None = None
    filters: list[Filter] = Field(default_factory=list)

    @model_validator(mode="after")
    def _kind_block(self) -> DataPolicy:
        if self.type == "mask":
            if self.mask is None:
                raise ValueError("a mask policy needs `mask`")
            if self.selector.column is None:
                raise ValueError("a mask policy needs `selector.column`")
        elif not self.filters:
            raise ValueError("a filter policy needs `filters`")
        return self


class PolicyBlock(Model):
    access: AccessPolicy | None = None
    data: DataPolicy | None = None

    @model_validator(mode="after")
    def _one(self) -> PolicyBlock:
        if (self.access is None) == (self.data is None):
            raise ValueError("a policy is either `access` or `data`")
        return self


class Policy(Resource):
    TYPE: ClassVar[str] = "policy"
    KIND: ClassVar[str] = "Policy"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1",)
    SCOPE: ClassVar[str] = "instance"
    type: Literal["policy"]
    policy: PolicyBlock


