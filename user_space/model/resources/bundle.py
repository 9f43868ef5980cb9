"""Bundle (INST, v1beta): a DAG of Resources applied in dependency order, with optional schedule (§16)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, model_validator

from user_space.model.base import Model
from user_space.model.envelope import Resource
from user_space.model.fields import Cron, NameList, StrMap, WorkspaceName
from user_space.model.resources.workflow import find_cycle


def _one_to_list(value: Any) -> Any:
    """Samples write a single `{cron: ...}` where the reference shows a list of them."""
    return [value] if isinstance(value, dict) else value


class CronEntry(Model):
    cron: Cron


CronList = Annotated[list[CronEntry], BeforeValidator(_one_to_list)]


class BundleSchedule(Model):
    initial_state: Literal["create", "delete"]
    timezone: str
    create: CronList = Field(default_factory=list)
    delete: CronList = Field(default_factory=list)


class BundleWorkspace(Model):
    name: WorkspaceName
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    labels: StrMap = Field(default_factory=dict)
    layer: Literal["user", "system"]


class Match(Model):
    is_: list[str] = Field(default_factory=list, alias="is")
    contains: list[str] = Field(default_factory=list)


class DependencyCondition(Model):
    resource_id: str
    status: Match | None = None
    runtime: Match | None = None


class BundleEntry(Model):
    """A node: a `file` (inlined by the loader into `spec`) or an inline `spec` (a full manifest, validated
    as a Resource of its own type)."""

    id: str = Field(min_length=1)
    workspace: WorkspaceName | None = None
    file: str | None = None
    spec: dict[str, Any] | None = None
    dependencies: NameList = Field(default_factory=list)
    dependency_conditions: list[DependencyCondition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _body(self) -> BundleEntry:
        if self.spec is None and self.file is None:
            raise ValueError(f"resource {self.id!r} needs a `file` or a `spec`")
        if self.spec is not None:
            from user_space.model.errors import ResourceError
            from user_space.model.parse import parse_resource

            try:
                member = parse_resource(self.spec)
            except ResourceError as exc:
                raise ValueError(f"resource {self.id!r} is not a valid manifest: {exc}") from None
            if member.SCOPE == "workspace" and self.workspace is None and member.workspace is None:
                raise ValueError(f"resource {self.id!r} is a workspace-level {member.type}: give its `workspace`")
        return self

    @property
    def member(self) -> Resource | None:
        """The validated member manifest (None while only a `file` reference is known)."""
        from user_space.model.parse import parse_resource

        return parse_resource(self.spec) if self.spec is not None else None


class BundleBlock(Model):
    schedule: BundleSchedule | None = None
    workspaces: list[BundleWorkspace] = Field(default_factory=list)
    resources: list[BundleEntry] = Field(min_length=1)
    properties: dict[str, Any] = Field(default_factory=dict)
    manage_as_user: str | None = None

    @model_validator(mode="after")
    def _dag(self) -> BundleBlock:
        ids = [entry.id for entry in self.resources]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"resource ids must be unique; repeated: {', '.join(dupes)}")
        known = set(ids)
        for entry in self.resources:
            refs = list(entry.dependencies) + [c.resource_id for c in entry.dependency_conditions]
            missing = sorted({r for r in refs if r not in known})
            if missing:
                raise ValueError(f"resource {entry.id!r} depends on unknown id(s): {', '.join(missing)}")
        cycle = find_cycle({e.id: list(e.dependencies) + [c.resource_id for c in e.dependency_conditions]
                            for e in self.resources})
        if cycle:
            raise ValueError(f"resources have a dependency cycle: {' -> '.join(cycle)}")
        names = [w.name for w in self.workspaces]
        if len(names) != len(set(names)):
            raise ValueError("workspace names must be unique")
        return self


class Bundle(Resource):
    TYPE: ClassVar[str] = "bundle"
    KIND: ClassVar[str] = "Bundle"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1beta", "v1alpha")
    SCOPE: ClassVar[str] = "instance"
    type: Literal["bundle"]
    bundle: BundleBlock
