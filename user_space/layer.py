"""The GitOps layer: a Pulumi `UserSpace` component applying the Resource CRDs, the workspace namespaces and
every manifest of the stack's manifests folder as a custom resource (group `kernel.cloudkernel.io`).

The runtime (operator) reconciles those custom resources with the pure compiler; `kernelctl plan` shows
what they compile to (`user_space.plan_objects.compiled_plan_objects`). An invalid manifest stops the
run before any resource is registered, with one line per problem (file:line, field path, message).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from user_space.compiler.common import INSTANCE_WORKSPACE, dns_name, manifest_view
from user_space.compiler.database import inline_includes
from user_space.compiler.workspace import workspace_objects
from user_space.crds import GROUP, VERSION
from user_space.model import load_paths
from user_space.model.registry import MODELS
from user_space.specs import UserSpaceSpec

CRD_DIR = Path(__file__).resolve().parent / "crds"
TYPE_TOKEN = "cloud-kernel:user-space:UserSpace"


class InvalidManifests(Exception):
    def __init__(self, lines: list[str]):
        super().__init__("invalid Resource manifests:\n" + "\n".join(lines))
        self.lines = lines


def load_crds() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(CRD_DIR.glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    return docs


def manifest_resources(folder: Path) -> list[dict[str, Any]]:
    """(validated) manifest views of every Resource under `folder`; raises InvalidManifests."""
    loaded = load_paths([str(folder)])
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
            except OSError as exc:
                problems.append(f"{item.file}:{item.line} database/{item.name}: database.migrate.includes: {exc}")
                continue
        views.append(view)
    if problems:
        raise InvalidManifests(problems)
    return sorted(views, key=lambda v: (v["type"], v.get("workspace") or "", v["name"]))


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


class UserSpace(pulumi.ComponentResource):
    def __init__(self, name: str, spec: UserSpaceSpec, provider: k8s.Provider, environment: str, root: Path,
                 opts: pulumi.ResourceOptions | None = None, *, context: Any = None):
        super().__init__(TYPE_TOKEN, name, None, opts)
        self.environment = environment
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        self.crds: dict[str, k8s.apiextensions.v1.CustomResourceDefinition] = {}
        self.custom_resources: dict[str, k8s.apiextensions.CustomResource] = {}
        self.namespaces: dict[str, k8s.core.v1.Namespace] = {}
        if not spec.enabled:
            self.register_outputs({"resources": 0})
            return
        folder = Path(root) / spec.manifests
        if not folder.is_dir():
            raise InvalidManifests([f"{folder}: the user space manifests folder does not exist "
                                    "(cloud-kernel:userSpace.manifests)"])
        views = manifest_resources(folder)

        for doc in load_crds():
            kind = doc["spec"]["names"]["kind"]
            self.crds[kind] = k8s.apiextensions.v1.CustomResourceDefinition(
                f"{name}-crd-{doc['spec']['names']['plural']}",
                metadata=doc["metadata"], spec=doc["spec"], opts=child)

        workspaces = sorted({body["metadata"]["namespace"] for body in map(custom_resource_body, views)
                             if "namespace" in body["metadata"]} | {INSTANCE_WORKSPACE})
        for ws in workspaces:
            ns_doc = _namespace_doc(ws, context)
            self.namespaces[ws] = k8s.core.v1.Namespace(f"{name}-ns-{ws}", metadata=ns_doc["metadata"], opts=child)

        for view in views:
            body = custom_resource_body(view)
            kind = body["kind"]
            depends: list[pulumi.Resource] = [self.crds[kind]] if kind in self.crds else []
            ns = body["metadata"].get("namespace")
            if ns in self.namespaces:
                depends.append(self.namespaces[ns])
            key = dns_name(view["type"], ns or "instance", view["name"], limit=200)
            self.custom_resources[key] = k8s.apiextensions.CustomResource(
                f"{name}-{key}", api_version=body["apiVersion"], kind=kind, metadata=body["metadata"],
                spec=body["spec"], opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=depends))
        self.register_outputs({"resources": len(self.custom_resources), "workspaces": workspaces})


def _namespace_doc(workspace: str, context: Any) -> dict[str, Any]:
    """The workspace Namespace with its Pod Security labels (the compiler's, when a context is given)."""
    if context is not None:
        from user_space.compiler.index import Index

        return workspace_objects(Index(context, []), workspace)[0]
    labels = {f"pod-security.kubernetes.io/{m}": "restricted" for m in ("enforce", "audit", "warn")}
    labels.update({"app.kubernetes.io/managed-by": "cloud-kernel", "cloudkernel.io/workspace": workspace})
    return {"metadata": {"name": workspace, "labels": dict(sorted(labels.items()))}}
