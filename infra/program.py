"""The Pulumi program: wiring only. Config in, one component per layer, contract and context passed up."""

from __future__ import annotations

from pathlib import Path

import pulumi

from cloud_kernel import backends
from core_kernel.identities import identity_requests as core_identities
from core_kernel.kernel import CoreKernel
from infra.config import ConfigError, StackConfig, from_pulumi
from user_space.gitops import workspace_identity_requests
from user_space.layer import UserSpace

# Manifests folders in the stack config are relative to the project root (where Pulumi.yaml is).
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Validate the whole stack config first: a bad value stops the run before any resource exists."""
    try:
        config = from_pulumi()
    except ConfigError as exc:
        raise pulumi.RunError("invalid stack configuration:\n" + "\n".join(exc.lines())) from None
    build(config)


def build(config: StackConfig) -> None:
    # The cloud kernel creates the workload identities the layers above ask for; it never learns why.
    buckets = sorted(config.cloud.lakehouse)
    identities = [
        *core_identities(config.core, config.environment, lakehouse_buckets=buckets, cloud=config.cloud.provider),
        *workspace_identity_requests(config.user_space, PROJECT_ROOT, config.environment, buckets),
    ]
    contract = backends.build(config.cloud, environment=config.environment, identities=identities)
    core = CoreKernel("core", config.core, contract, config.environment)
    UserSpace(
        "user-space",
        config.user_space,
        contract.kubernetes_provider,
        config.environment,
        PROJECT_ROOT,
        pulumi.ResourceOptions(depends_on=[core]),
        context=core.context,
    )
    for name, value in contract.exports().items():
        pulumi.export(name, value)
