"""Kubernetes types: objects get the server-side fields a real API server would add."""

from __future__ import annotations

import copy
from typing import Any

from pulumi.runtime import MockResourceArgs

from kernelctl.plan.simulated.context import SimContext

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"


def is_kubernetes_object(type_token: str) -> bool:
    return type_token.startswith("kubernetes:") and type_token != HELM_RELEASE and not type_token.startswith(
        ("kubernetes:helm.sh/", "kubernetes:yaml/", "kubernetes:kustomize/")
    )


def kubernetes_object(args: MockResourceArgs, inputs: dict[str, Any], ctx: SimContext) -> tuple[str, dict[str, Any]]:
    metadata = copy.deepcopy(inputs.get("metadata") or {})
    metadata.setdefault("name", args.name)
    metadata["uid"] = ctx.digest("uid", args.typ, args.name, length=32)
    metadata["resourceVersion"] = "1"
    object_id = f"{metadata['namespace']}/{metadata['name']}" if metadata.get("namespace") else metadata["name"]
    return object_id, {"metadata": metadata}


def helm_release(args: MockResourceArgs, inputs: dict[str, Any], ctx: SimContext) -> tuple[str, dict[str, Any]]:
    name = inputs.get("name") or args.name
    namespace = inputs.get("namespace") or "default"
    status = {
        "name": name,
        "namespace": namespace,
        "chart": inputs.get("chart", ""),
        "version": inputs.get("version", ""),
        "appVersion": inputs.get("version", ""),
        "revision": 1,
        "status": "deployed",
    }
    return f"{namespace}/{name}", {"name": name, "status": status}
