"""The `local` stack: the platform on an existing cluster, with no cloud resource at all."""

from __future__ import annotations

import pytest

from cloud_kernel.specs import CloudKernelSpec
from tests.support.k8s_validation import validate_objects


@pytest.fixture(scope="module")
def plan(stack_plan):
    return stack_plan("local")


def test_creates_no_cloud_resource(plan):
    packages = {r["type"].split(":")[0] for r in plan.resources if r["custom"]}
    assert packages <= {"kubernetes", "pulumi"}, packages
    providers = {r["type"] for r in plan.resources if r["type"].startswith("pulumi:providers:")}
    assert providers == {"pulumi:providers:kubernetes"}


def test_kubeconfig_is_never_inlined(plan):
    (provider,) = [r for r in plan.resources if r["type"] == "pulumi:providers:kubernetes"]
    # Unset in the stack file: the provider reads $KUBECONFIG itself; no credentials pass through the program.
    assert "kubeconfig" not in provider["inputs"]
    assert provider["inputs"]["enableServerSideApply"] == "true"


def test_postgres_is_a_tls_only_cloudnativepg_cluster(plan):
    (cluster,) = [o for o in plan.kubernetes if o["kind"] == "Cluster" and o["apiVersion"] == "postgresql.cnpg.io/v1"]
    assert validate_objects([cluster]) == []
    assert cluster["spec"]["postgresql"]["pg_hba"] == ["hostssl all all all scram-sha-256"]
    assert cluster["spec"]["storage"]["storageClass"] == "standard"
    assert cluster["metadata"]["namespace"] == "cloud-kernel-data"
    (namespace,) = [o for o in plan.kubernetes if o["kind"] == "Namespace" and o["metadata"]["name"] == "cloud-kernel-data"]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_contract_reaches_the_platform_context(plan):
    assert plan.outputs["cloud"] == "local"
    assert plan.outputs["postgres"]["platform"]["host"] == "pg-platform-rw.cloud-kernel-data.svc"
    assert plan.outputs["postgres"]["platform"]["adminSecret"] == "cloud-kernel-data/pg-platform-superuser"
    assert sorted(plan.outputs["storageClasses"]) == ["standard"]


def test_every_platform_object_is_schema_valid(plan):
    """Built-in kinds and add-on kinds; the user space's own custom resources are checked by tests/schema."""
    objects = [o for o in plan.kubernetes if not o["apiVersion"].startswith("kernel.cloudkernel.io/")]
    assert len(objects) > 10
    assert validate_objects(objects) == []


def _local(**cloud) -> dict:
    return {"provider": "local", "nodePools": {"system": {}}, **cloud}


def test_local_needs_no_region_and_refuses_what_it_cannot_provide():
    assert CloudKernelSpec.model_validate(_local()).region == "local"
    with pytest.raises(ValueError, match="lakehouse: the local provider provisions no object storage"):
        CloudKernelSpec.model_validate(_local(lakehouse={"lake": {}}))
    with pytest.raises(ValueError, match="no ReadWriteMany storage"):
        CloudKernelSpec.model_validate(_local(volumes={"classes": {"nfs": {"tier": "shared", "default": True}}}))
    with pytest.raises(ValueError, match="region"):
        CloudKernelSpec.model_validate({"provider": "aws", "nodePools": {"system": {}}})
