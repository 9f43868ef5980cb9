"""The GitOps folder: load and validate every Resource manifest of a stack, and derive what the layers
below must provide for it (workspace namespaces, workspace cloud identities). Pure: no Pulumi import, so
the wiring, `kernelctl` and the Pulumi component share one reading of the folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloud_kernel.specs import IdentityRequest
from core_kernel.naming import secrets_prefix
from user_space.compiler import declared_workspaces
from user_space.compiler.common import INSTANCE_WORKSPACE, manifest_view
from user_space.compiler.database import inline_includes
from user_space.compiler.workspace import RUNNER
from user_space.crds import GROUP, VERSION
from user_space.model import LoadedResource, load_paths
from user_space.model.registry import MODELS
from user_space.specs import UserSpaceSpec


class InvalidManifests(Exception):
    def __init__(self, lines: list[str]):
        super().__init__("invalid Resource manifests:\n" + "\n".join(lines))
        self.lines = lines


@dataclass
class LoadedFolder:
    """Manifests as loaded: the validated Resources' views, and one line per problem."""

    loaded: list[LoadedResource]
    views: list[dict[str, Any]]
    problems: list[str]  # `FILE:LINE type/name: field.path: message`, as `kernelctl validate` prints them


def load_manifests(paths: list[str | Path]) -> LoadedFolder:
    """Load, validate and prepare manifests (Database migration folders inlined next to their manifest)."""
    loaded = load_paths([str(p) for p in paths])
    problems: list[str] = []
    views: list[dict[str, Any]] = []
    for item in loaded:
        for error in item.errors:
            problems.append(f"{item.file}:{error.line or item.line} {item.type or '?'}/{item.name or '?'}: "
                            f"{error.path or '(document)'}: {error.message}")
        if item.resource is None:
            continue
        view = manifest_view(item.resource)
        if view.get("type") == "database":
            try:
                view = inline_includes(view, Path(item.file).parent)
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{item.file}:{item.line} database/{item.name}: database.migrate.includes: {exc}")
                continue
        views.append(view)
    return LoadedFolder(loaded, sorted(views, key=lambda v: (v["type"], v.get("workspace") or "", v["name"])), problems)


def manifest_resources(folder: Path) -> list[dict[str, Any]]:
    """The validated manifest views of every Resource under `folder`; raises InvalidManifests."""
    result = load_manifests([folder])
    if result.problems:
        raise InvalidManifests(result.problems)
    return result.views


def custom_resource_body(view: dict[str, Any]) -> dict[str, Any]:
    """apiVersion/kind/metadata/spec of the custom resource holding one manifest."""
    cls = MODELS[view["type"]]
    namespaced = cls.SCOPE == "workspace"
    workspace = view.get("workspace") or "public"
    labels = {"app.kubernetes.io/managed-by": "cloud-kernel", "cloudkernel.io/resource-type": view["type"]}
    metadata: dict[str, Any] = {"name": view["name"], "labels": labels}
    if namespaced:
        metadata["namespace"] = workspace
        labels["cloudkernel.io/workspace"] = workspace
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": cls.KIND, "metadata": metadata, "spec": view}


def workspace_identity_requests(
    spec: UserSpaceSpec, root: Path, environment: str, lakehouse_buckets: list[str]
) -> list[IdentityRequest]:
    """One cloud identity per user workspace, for its runner service account.

    Least privilege: read-write on every lakehouse bucket but only under `workspaces/<ws>/`, and secrets only
    under `<env prefix>workspaces/<ws>/`. The instance-level workspace runs platform jobs and gets none.
    """
    if not spec.enabled:
        return []
    folder = Path(root) / spec.manifests
    if not folder.is_dir():
        raise InvalidManifests([f"{folder}: the user space manifests folder does not exist (cloud-kernel:userSpace.manifests)"])
    return [
        IdentityRequest(
            name=f"ws-{workspace}",
            namespace=workspace,
            service_account=RUNNER,
            buckets={key: "readwrite" for key in sorted(lakehouse_buckets)},
            prefix=f"workspaces/{workspace}",
            secrets_read=True,
            secrets_prefix=f"{secrets_prefix(environment)}workspaces/{workspace}/",
        )
        for workspace in declared_workspaces(manifest_resources(folder))
        if workspace != INSTANCE_WORKSPACE
    ]
