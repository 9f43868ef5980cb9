"""`cloud-kernel:userSpace`: where the GitOps manifests live and how they are applied. No Pulumi import."""

from __future__ import annotations

from pathlib import PurePosixPath

from pydantic import Field, field_validator

from cloud_kernel.specs import Spec


class UserSpaceSpec(Spec):
    enabled: bool = True
    manifests: str = Field(
        "examples/workspaces", description="Folder of Resource manifests, relative to the project root."
    )

    @field_validator("manifests")
    @classmethod
    def _inside_the_project(cls, value: str) -> str:
        path = PurePosixPath(value)
        if not value.strip() or path.is_absolute() or ".." in path.parts:
            raise ValueError("must be a folder inside the project, relative to its root (no leading '/', no '..')")
        return value
