"""The Resource meta section every manifest shares (dataos-resources.md §2) and the per-type base class.

Each type model subclasses `Resource`, sets its class variables (type key, accepted versions, scope,
Kubernetes kind, name rule) and declares one field named after the type key holding its block.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from user_space.model import patterns
from user_space.model.base import Model
from user_space.model.fields import WorkspaceName

Scope = Literal["workspace", "instance"]

#: Tags are free strings; YAML turns `- 2023` into a number, which is still a tag.
Tag = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)]


class Resource(Model):
    """The envelope: `name, version, type, tags, description, owner, layer, workspace` plus one type block.

    `workspace` is optional (the CLI's `-w`, default `public`); instance-level types live outside any
    workspace, so for them a `workspace` key is an error: the docs make them visible in every workspace
    and say a workspace "is not applicable" to instance-level references.
    """

    TYPE: ClassVar[str] = ""
    KIND: ClassVar[str] = ""
    VERSIONS: ClassVar[tuple[str, ...]] = ()
    SCOPE: ClassVar[Scope] = "workspace"
    NAME_PATTERN: ClassVar[re.Pattern[str]] = patterns.RESOURCE_NAME
    NAME_MAX: ClassVar[int] = patterns.RESOURCE_NAME_MAX

    #: Versions `dataos-ctl` still applies by migrating them to the current one (`v1beta1` -> `v1`); the
    #: migrated Resource gets the default compute wherever a compute is mandatory and missing.
    MIGRATES: ClassVar[dict[str, str]] = {}

    name: str
    version: str
    type: str
    title: str | None = None  # a display title; used at top level in the official example files
    tags: list[Tag] = Field(default_factory=list)
    description: str | None = None
    owner: str | None = None
    layer: Literal["user", "system"] = "user"
    workspace: WorkspaceName | None = None

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("version"), str) and data["version"] in cls.MIGRATES:
            data = cls.migrate_block({**data, "version": cls.MIGRATES[data["version"]]})
        return data

    @classmethod
    def migrate_block(cls, data: dict) -> dict:
        """The manifest as `dataos-ctl` migrates it from an older version (types with MIGRATES override this)."""
        return data

    @field_validator("name")
    @classmethod
    def _name_rule(cls, value: str) -> str:
        return patterns.check_name(value, cls.NAME_PATTERN, cls.NAME_MAX, "name")

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: str) -> str:
        if value not in cls.VERSIONS:
            raise ValueError(f"{cls.TYPE} accepts version {' | '.join(cls.VERSIONS)}, not {value!r}")
        return value

    @field_validator("type")
    @classmethod
    def _own_type(cls, value: str) -> str:
        if value != cls.TYPE:
            raise ValueError(f"expected type {cls.TYPE!r}, got {value!r}")
        return value

    @field_validator("workspace")
    @classmethod
    def _instance_has_no_workspace(cls, value: object) -> object:
        if cls.SCOPE == "instance" and isinstance(value, str):
            raise ValueError(f"{cls.TYPE} is instance-level: it belongs to no workspace, remove `workspace`")
        return value

    @property
    def block(self) -> Model:
        """The type block (`workflow:`, `instance-secret:`, ...)."""
        return getattr(self, self.block_attr())

    @classmethod
    def block_attr(cls) -> str:
        return cls.TYPE.replace("-", "_")

    @property
    def resource_id(self) -> str:
        """`TYPE:VERSION:NAME[:WORKSPACE]`, the identity string of §2."""
        ident = f"{self.type}:{self.version}:{self.name}"
        return f"{ident}:{self.workspace}" if self.workspace else ident
