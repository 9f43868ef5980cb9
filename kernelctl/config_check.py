"""What `kernelctl config validate` checks beyond the stack file itself: the stack's GitOps folder, before any
plan. The manifests must load (an unset `${VAR}` is an error), their references must resolve (computes
against the stack's node pools), and every platform service a Resource needs must be on in `cloud-kernel:core`
(Argo for Workflows, External Secrets for `secretmanager:` values, the catalog for Lakehouses, monitoring for
Monitors, an identity provider for authenticated routes, ...): the compiler decides that itself, against the
context the stack's core kernel would publish (`platform.build_context` over sample cloud facts).
"""

from __future__ import annotations

from pathlib import Path

from core_kernel.context import NodePool, PlatformContext, sample_facts
from core_kernel.platform import build_context
from infra.config import StackConfig


def stack_context(config: StackConfig) -> PlatformContext:
    """The context this stack's core kernel would publish, with its node pools; cloud facts are sample ones."""
    context = build_context(config.core, config.environment, sample_facts(config.environment))
    pools = {name: NodePool(name=name, machine=pool.machine, labels=dict(pool.labels))
             for name, pool in config.cloud.node_pools.items()}
    return context.model_copy(update={"node_pools": pools})


def gitops_problems(config: StackConfig, root: Path) -> list[str]:
    """One line per problem of the stack's GitOps folder that `plan` would refuse; [] when user space is off."""
    from user_space.compiler import compile_resources
    from user_space.compiler.common import ServiceMissing
    from user_space.gitops import InvalidManifests, load_manifests, manifests_folder

    if not config.user_space.enabled:
        return []
    try:
        folder = manifests_folder(config.user_space, root)
    except InvalidManifests as exc:
        return exc.lines
    context = stack_context(config)
    loaded = load_manifests([folder], context)
    if loaded.problems:
        return loaded.problems
    where = {item.resource.resource_id: f"{item.file}:{item.line} {item.type}/{item.name}"
             for item in loaded.loaded if item.resource is not None}
    return [f"{where.get(error.resource_id, error.resource_id)}: {error.message}"
            for error in compile_resources(loaded.views, context).errors if isinstance(error, ServiceMissing)]
