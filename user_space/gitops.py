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
from user_space.compiler.secret import MANAGER_PREFIX
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


def load_manifests(paths: list[str | Path], context: Any = None, pools_known: bool = True,
                   references: bool = True) -> LoadedFolder:
    """Load, validate and prepare manifests (Database migration folders inlined next to their manifest).

    Strict, as `pulumi up` must be: an unset `${VAR}` is an error, references must resolve across the folder
    (computes also against `context`'s node pools, a `PlatformContext` when given), and a Resource is
    declared once. `references=False` checks each Resource alone (one Resource applied into a cluster that
    holds the others).
    """
    from user_space.references import check_loaded

    loaded = load_paths([str(p) for p in paths], strict_env=True)
    if references:
        check_loaded(loaded, context, pools_known)
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


def manifests_folder(spec: UserSpaceSpec, root: Path) -> Path:
    """The stack's GitOps folder (`cloud-kernel:userSpace.manifests`): an existing folder inside the project."""
    root = Path(root).resolve()
    folder = (root / spec.manifests).resolve()
    where = "(cloud-kernel:userSpace.manifests)"
    if not folder.is_relative_to(root):
        raise InvalidManifests([f"{spec.manifests}: the user space manifests folder must lie inside the project "
                                f"{root} {where}"])
    if not folder.is_dir():
        raise InvalidManifests([f"{folder}: the user space manifests folder does not exist {where}"])
    return folder


def manifest_resources(folder: Path) -> list[dict[str, Any]]:
    """The validated manifest views of every Resource under `folder`; raises InvalidManifests. Node pools are
    not known here (the cluster may not exist yet): `kernelctl plan` checks computes against them."""
    result = load_manifests([folder], pools_known=False)
    if result.problems:
        raise InvalidManifests(result.problems)
    return result.views


SECRET_TYPES = ("secret", "instance-secret")
SECRET_FIELDS = ("data", "files")
SECRET_KEYS = ("runAsApiKey",)  # runnable fields holding a credential inline

Loc = tuple[Any, ...]


def secret_value_paths(value: Any, loc: Loc = ()) -> list[Loc]:
    """Paths of every secret value in a manifest view: each value of a Secret's or Instance Secret's `data`
    and `files` (Bundle members included) and inline credentials such as `runAsApiKey`. A `secretmanager:`
    reference is not a secret (it names where the value lives), so it stays readable."""
    found: list[Loc] = []
    if isinstance(value, dict):
        kind = value.get("type")
        block = value.get(kind) if kind in SECRET_TYPES else None
        for key, item in value.items():
            if key in SECRET_KEYS and isinstance(item, (str, int, float)):
                found.append(loc + (key,))
            elif block is not None and item is block and isinstance(block, dict):
                found += [loc + (key, part, name) for part in SECRET_FIELDS if isinstance(block.get(part), dict)
                          for name, text in block[part].items() if not str(text).startswith(MANAGER_PREFIX)]
            else:
                found += secret_value_paths(item, loc + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += secret_value_paths(item, loc + (index,))
    return found


def map_secret_values(view: dict[str, Any], fn: Any) -> dict[str, Any]:
    """A copy of `view` whose secret values (`secret_value_paths`) are replaced by `fn(value)`."""
    import copy

    out = copy.deepcopy(view)
    for loc in secret_value_paths(view):
        parent = out
        for part in loc[:-1]:
            parent = parent[part]
        parent[loc[-1]] = fn(parent[loc[-1]])
    return out


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
    folder = manifests_folder(spec, root)
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
