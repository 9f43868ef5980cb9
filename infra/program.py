"""The Pulumi program: wiring only. Config in, one component per layer, contract and context passed up."""

from __future__ import annotations

import pulumi

from cloud_kernel import backends
from infra.config import ConfigError, StackConfig, from_pulumi


def main() -> None:
    """Validate the whole stack config first: a bad value stops the run before any resource exists."""
    try:
        config = from_pulumi()
    except ConfigError as exc:
        raise pulumi.RunError("invalid stack configuration:\n" + "\n".join(exc.lines())) from None
    build(config)


def build(config: StackConfig) -> None:
    contract = backends.build(config.cloud, environment=config.environment)
    for name, value in contract.exports().items():
        pulumi.export(name, value)
