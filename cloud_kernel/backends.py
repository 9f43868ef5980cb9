"""Pick the cloud backend for a spec: an exhaustive match on the provider, importing only that cloud's SDK."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

import pulumi

from cloud_kernel.contracts import CloudKernelContract
from cloud_kernel.specs import CloudKernelSpec, IdentityRequest


class BackendUnavailable(Exception):
    """The chosen cloud has no backend in this release."""


def build(
    spec: CloudKernelSpec,
    *,
    environment: str,
    identities: Sequence[IdentityRequest] = (),
    opts: pulumi.ResourceOptions | None = None,
) -> CloudKernelContract:
    """Provision the cloud kernel on `spec.provider` and return its contract."""
    match spec.provider:
        case "aws":
            from cloud_kernel.aws.backend import AwsCloudKernel

            return AwsCloudKernel("cloud", spec, environment=environment, identities=identities, opts=opts).contract
        case "local":
            from cloud_kernel.local.backend import LocalCloudKernel

            return LocalCloudKernel("cloud", spec, environment=environment, identities=identities, opts=opts).contract
        case "gcp":
            from cloud_kernel.gcp.backend import GcpCloudKernel

            return GcpCloudKernel("cloud", spec, environment=environment, identities=identities, opts=opts).contract
        case "azure":
            raise BackendUnavailable(
                f"the {spec.provider} backend is not implemented yet; set cloud-kernel:cloud.provider to aws"
            )
        case _:
            assert_never(spec.provider)
