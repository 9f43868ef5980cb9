"""Workspace (v1beta1): the tenant, created by the CLI (`workspace create`) or by a Bundle (§4).

Not a DataOS manifest type; this model gives it one so GitOps folders can declare workspaces. Its
`workspace:` key is the type block (labels), not the envelope's workspace name.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from user_space.model import patterns
from user_space.model.base import Model
from user_space.model.envelope import Resource
from user_space.model.fields import StrMap


class WorkspaceBlock(Model):
    labels: StrMap = Field(default_factory=dict)


class Workspace(Resource):
    TYPE: ClassVar[str] = "workspace"
    KIND: ClassVar[str] = "Workspace"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1beta1",)
    SCOPE: ClassVar[str] = "instance"
    NAME_PATTERN: ClassVar = patterns.WORKSPACE_NAME
    NAME_MAX: ClassVar[int] = patterns.WORKSPACE_NAME_MAX
    type: Literal["workspace"]
    workspace: WorkspaceBlock = Field(default_factory=WorkspaceBlock)  # type: ignore[assignment]
