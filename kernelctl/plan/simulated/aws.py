"""AWS types and invokes of the simulated cloud (filled by the AWS backend work)."""

from __future__ import annotations

from kernelctl.plan.simulated.context import CallHandler, ResourceHandler

RESOURCES: dict[str, ResourceHandler] = {}
CALLS: dict[str, CallHandler] = {}
