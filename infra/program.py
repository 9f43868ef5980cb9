"""The Pulumi program: wiring only. Config in, one component per layer, contract and context passed up."""

from __future__ import annotations

import pulumi

from cloud_kernel import backends
from core_kernel.identities import identity_requests as core_identities
from core_kernel.kernel import CoreKernel
from infra.config import ConfigError, StackConfig, from_pulumi


def main() -> None:
    """Validate the whole stack config first: a bad value stops the run before any resource exists."""
    try:
        config = from_pulumi()
    except ConfigError as exc:
        raise pulumi.RunError("invalid stack configuration:\n" + "\n".join(exc.lines())) from None
    build(config)


def build(config: StackConfig) -> None:
    # The cloud kernel creates the workload identities the layers above ask for; it never learns why.
    identities = core_identities(config.core, config.environment, lakehouse_buckets=sorted(config.cloud.lakehouse))
    contract = backends.build(config.cloud, environment=config.environment, identities=identities)
    CoreKernel("core", config.core, contract, config.environment)
    for name, value in contract.exports().items():
        pulumi.export(name, value)
