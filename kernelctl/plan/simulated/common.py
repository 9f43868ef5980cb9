"""Cloud-independent types: Pulumi providers and pulumi_random."""

from __future__ import annotations

import base64
from typing import Any

from pulumi.runtime import MockResourceArgs

from kernelctl.plan.simulated.context import ResourceHandler, SimContext


def _provider(args: MockResourceArgs, inputs: dict[str, Any], ctx: SimContext) -> tuple[str, dict[str, Any]]:
    return ctx.digest("provider", args.typ, args.name, length=36), {}


def _random_password(args: MockResourceArgs, inputs: dict[str, Any], ctx: SimContext) -> tuple[str, dict[str, Any]]:
    length = int(inputs.get("length", 32))
    # Deterministic stand-in; the program marks it secret, and the plan only ever shows "[secret]".
    return "none", {"result": ctx.digest("password", args.name, length=64)[:length]}


def _random_bytes(args: MockResourceArgs, inputs: dict[str, Any], ctx: SimContext) -> tuple[str, dict[str, Any]]:
    raw = bytes.fromhex(ctx.digest("bytes", args.name, length=64))[: int(inputs.get("length", 32))]
    return "none", {"base64": base64.b64encode(raw).decode("ascii"), "hex": raw.hex()}


RESOURCES: dict[str, ResourceHandler] = {
    "pulumi:providers:aws": _provider,
    "pulumi:providers:gcp": _provider,
    "pulumi:providers:azure-native": _provider,
    "pulumi:providers:kubernetes": _provider,
    "pulumi:providers:random": _provider,
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomBytes:RandomBytes": _random_bytes,
}
