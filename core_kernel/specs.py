"""`cloud-kernel:core`: which core services run and how. Plain pydantic, no Pulumi import."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from cloud_kernel.specs import Spec


class CoreKernelSpec(Spec):
    """Settings of the core kernel for one environment."""

    domain: Annotated[str, Field(pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$")] = Field(
        description="Platform DNS domain; the gateway serves *.<domain>."
    )
