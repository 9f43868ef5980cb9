"""The GitOps layer: a Pulumi `UserSpace` component applying the Resource CRDs, the workspace namespaces and
every manifest of the stack's manifests folder as a custom resource (group `kernel.cloudkernel.io`).
Secret values (a Secret's or Instance Secret's `data`/`files`, inline credentials) are secret Outputs, so
the engine encrypts them in the state and never prints them.

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

from core_kernel.context import PlatformContext
from user_space.compiler.common import dns_name
from user_space.compiler.index import Index
from user_space.compiler.workspace import workspace_objects
from user_space.compiler import compile_resources, declared_workspaces
from user_space.gitops import custom_resource_body, manifest_resources, manifests_folder, map_secret_values
from user_space.specs import UserSpaceSpec

CRD_DIR = Path(__file__).resolve().parent / "crds"
TYPE_TOKEN = "cloud-kernel:user-space:UserSpace"


def load_crds() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(CRD_DIR.glob("*.yaml")):
        docs.extend(d for d in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) if d)
    return docs


class UserSpace(pulumi.ComponentResource):
    def __init__(self, name: str, spec: UserSpaceSpec, provider: k8s.Provider, environment: str, root: Path,
                 opts: pulumi.ResourceOptions | None = None, *,
                 context: pulumi.Output[PlatformContext] | PlatformContext):
        super().__init__(TYPE_TOKEN, name, None, opts)
        self.environment = environment
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        self.crds: dict[str, k8s.apiextensions.v1.CustomResourceDefinition] = {}
        self.custom_resources: dict[str, k8s.apiextensions.CustomResource] = {}
        self.namespaces: dict[str, k8s.core.v1.Namespace] = {}
        if not spec.enabled:
            self.register_outputs({"resources": 0})
            return
        views = manifest_resources(manifests_folder(spec, root))

        for doc in load_crds():
            kind = doc["spec"]["names"]["kind"]
            self.crds[kind] = k8s.apiextensions.v1.CustomResourceDefinition(
                f"{name}-crd-{doc['spec']['names']['plural']}",
                metadata=doc["metadata"], spec=doc["spec"], opts=child)

        # Pulumi owns the workspace namespaces (so custom resources have a home before the runtime runs),
        # with exactly the metadata the compiler gives them (Pod Security, the labels the core kernel selects).
        workspaces = declared_workspaces(views)
        metadata = _namespace_metadata(views, workspaces, context)
        for ws in workspaces:
            self.namespaces[ws] = k8s.core.v1.Namespace(
                f"{name}-ns-{ws}", metadata=metadata.apply(lambda m, ws=ws: m[ws]), opts=child
            )

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
                spec=map_secret_values(body["spec"], pulumi.Output.secret), opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=depends))
        self.register_outputs({"resources": len(self.custom_resources), "workspaces": workspaces})


def _namespace_metadata(
    views: list[dict[str, Any]], workspaces: list[str], context: pulumi.Output[PlatformContext] | PlatformContext
) -> pulumi.Output[dict[str, dict[str, Any]]]:
    """Workspace -> Namespace metadata as the compiler writes it: one definition of a workspace's labels."""

    def metadata(ctx: PlatformContext) -> dict[str, dict[str, Any]]:
        compiled = {
            o["metadata"]["name"]: o["metadata"]
            for o in compile_resources(views, ctx).objects
            if o["kind"] == "Namespace"
        }
        return {ws: compiled.get(ws) or workspace_objects(Index(ctx, []), ws)[0]["metadata"] for ws in workspaces}

    return pulumi.Output.from_input(context).apply(metadata)
