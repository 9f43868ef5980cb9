"""The GitOps folder as the layers below see it: which workspaces need namespaces and cloud identities."""

from __future__ import annotations

from pathlib import Path

import pytest

from core_kernel.context import PlatformContext
from user_space.compiler import compile_resources, declared_workspaces
from user_space.gitops import InvalidManifests, manifest_resources, workspace_identity_requests
from user_space.specs import UserSpaceSpec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "workspaces"


def test_declared_workspaces_cover_every_compiled_namespace() -> None:
    views = manifest_resources(EXAMPLES)
    declared = set(declared_workspaces(views))
    context = PlatformContext.sample()
    compiled = {o["metadata"].get("namespace") for o in compile_resources(views, context).objects} - {None}
    platform = set(context.namespaces.values()) | {context.platform_namespace}
    assert compiled - platform <= declared
    assert "analytics" in declared, "a Bundle's workspaces are workspaces too"


def test_one_least_privilege_identity_per_user_workspace() -> None:
    requests = workspace_identity_requests(UserSpaceSpec(manifests="examples/workspaces"), ROOT, "prod", ["raw", "lake"])
    by_name = {r.name: r for r in requests}
    assert sorted(by_name) == ["ws-analytics", "ws-retail"]  # never the instance-level `system` workspace
    retail = by_name["ws-retail"]
    assert (retail.namespace, retail.service_account) == ("retail", "dataos-runner")
    assert retail.buckets == {"lake": "readwrite", "raw": "readwrite"}
    assert retail.prefix == "workspaces/retail"
    assert retail.secrets_read and retail.secrets_prefix == "cloud-kernel/prod/workspaces/retail/"
    assert not retail.database_admin_secrets


def test_disabled_user_space_asks_for_nothing() -> None:
    assert workspace_identity_requests(UserSpaceSpec(enabled=False), ROOT, "dev", ["lake"]) == []


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidManifests, match="manifests folder does not exist"):
        workspace_identity_requests(UserSpaceSpec(manifests="nowhere"), tmp_path, "dev", [])
