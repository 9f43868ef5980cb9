"""`cloud-kernel:userSpace`: where the GitOps manifests live and how they are applied. No Pulumi import."""

from __future__ import annotations

from pydantic import Field

from cloud_kernel.specs import Spec


class UserSpaceSpec(Spec):
    enabled: bool = True
    manifests: str = Field(
        "examples/workspaces", description="Folder of Resource manifests, relative to the project root."
    )
