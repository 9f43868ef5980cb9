"""`CloudEnv`: what every component of every cloud backend knows about where it runs (the stack, the region,
the explicit provider) and how protected it is. Each backend extends it with its cloud's own facts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi


@dataclass(frozen=True)
class CloudEnv:
    project: str
    stack: str
    environment: str
    region: str
    provider: pulumi.ProviderResource

    @property
    def production(self) -> bool:
        return self.environment == "prod"

    @property
    def prefix(self) -> str:
        """Deterministic prefix of physical names: `<project>-<stack>`."""
        return f"{self.project}-{self.stack}"

    def invoke(self, parent: pulumi.Resource | None = None) -> pulumi.InvokeOutputOptions:
        return pulumi.InvokeOutputOptions(provider=self.provider, parent=parent)

    def stateful(self, parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
        """Options for stateful resources: protected in production (a `pulumi destroy` cannot take them)."""
        return pulumi.ResourceOptions(parent=parent, protect=self.production, **kwargs)
