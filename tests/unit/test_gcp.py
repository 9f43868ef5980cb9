"""Pure pieces of the GCP support: the range planner, the `gcp:` config rules, the per-cloud tables the
core kernel and the compiler read, and the small helpers of the GCP backend."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cloud_kernel.cidr import CidrPlanError, plan_ranges
from cloud_kernel.gcp.cluster import authorized_networks, maintenance_window
from cloud_kernel.gcp.identity import object_conditions, secret_id
from cloud_kernel.gcp.lakehouse import bucket_name
from cloud_kernel.gcp.node_pools import machine_type, per_zone, upgrade_settings
from cloud_kernel.gcp.postgres import maintenance_window as sql_window
from cloud_kernel.specs import CloudKernelSpec, ClusterSpec, GcpSpec, NodePoolSpec, PostgresSpec
from core_kernel.context import SecretStore, workload_identity_egress
from kernelctl.cli import app
from tests.conftest import ROOT

runner = CliRunner()


# ----- plan_ranges --------------------------------------------------------------------------------------------
@given(
    prefix=st.integers(min_value=8, max_value=20),
    sizes=st.dictionaries(st.sampled_from(["nodes", "pods", "services", "psa", "extra"]), st.integers(1, 10), min_size=1),
)
def test_ranges_are_disjoint_aligned_and_inside_the_network(prefix: int, sizes: dict[str, int]) -> None:
    network = str(ipaddress.ip_network((0x0A000000, prefix)))
    prefixes = {key: prefix + extra for key, extra in sizes.items()}
    try:
        plan = plan_ranges(network, prefixes)
    except CidrPlanError:
        assert sum(2 ** (32 - p) for p in prefixes.values()) > 2 ** (32 - prefix)
        return
    blocks = {key: ipaddress.ip_network(cidr, strict=True) for key, cidr in plan.items()}
    assert {key: b.prefixlen for key, b in blocks.items()} == prefixes
    outer = ipaddress.ip_network(network)
    assert all(b.subnet_of(outer) for b in blocks.values())
    values = list(blocks.values())
    assert not any(a.overlaps(b) for i, a in enumerate(values) for b in values[i + 1 :])
    assert plan_ranges(network, dict(reversed(list(prefixes.items())))) == plan  # order of the keys is irrelevant


def test_range_errors_name_what_does_not_fit() -> None:
    with pytest.raises(CidrPlanError, match="pods: /16 does not fit"):
        plan_ranges("10.0.0.0/16", {"pods": 16})
    with pytest.raises(CidrPlanError, match="need 98304 addresses; 10.0.0.0/16 has 65536"):
        plan_ranges("10.0.0.0/16", {"a": 17, "b": 17, "c": 17})


# ----- config rules -------------------------------------------------------------------------------------------
BASE = {"provider": "gcp", "region": "europe-west1", "nodePools": {"system": {}}, "gcp": {"project": "my-project-1"}}


def test_gcp_needs_a_project_and_refuses_aws_only_settings() -> None:
    assert CloudKernelSpec.model_validate(BASE).gcp.project == "my-project-1"
    cases = [
        ({**BASE, "gcp": {}}, "gcp\n.*project is required when provider is gcp"),
        ({**BASE, "postgres": {"db": {"engine": "aurora"}}}, "postgres\n.*db.engine: aurora is an AWS engine"),
        ({**BASE, "volumes": {"classes": {"fast": {"tier": "fast", "default": True, "iops": 1000}}}}, "volumes\n.*classes.fast.iops"),
        ({**BASE, "gcp": {"project": "UPPER"}}, "String should match pattern"),
        ({**BASE, "gcp": {"project": "my-project-1", "deployerCidrs": ["10.0.0.1/8"]}}, "is not a CIDR"),
    ]
    for spec, message in cases:
        with pytest.raises(ValueError, match=message):
            CloudKernelSpec.model_validate(spec)
    # The `gcp:` block is inert for the other clouds.
    CloudKernelSpec.model_validate({**BASE, "provider": "aws", "gcp": {}})


def test_config_validate_reports_gcp_problems_with_the_file_and_exits_2(tmp_path: Path) -> None:
    document = yaml.safe_load((ROOT / "stacks" / "Pulumi.prod-gcp.yaml").read_text())
    del document["config"]["cloud-kernel:cloud"]["gcp"]["project"]
    document["config"]["cloud-kernel:cloud"]["gcp"]["releaseChannel"] = "NIGHTLY"
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text(yaml.safe_dump(document))
    result = runner.invoke(app, ["config", "validate", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: cloud-kernel:cloud.gcp.releaseChannel: " in result.stderr
    assert "Traceback" not in result.output
    del document["config"]["cloud-kernel:cloud"]["gcp"]["releaseChannel"]
    bad.write_text(yaml.safe_dump(document))
    result = runner.invoke(app, ["config", "validate", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: cloud-kernel:cloud.gcp: project is required when provider is gcp" in result.stderr


# ----- per-cloud tables of the core kernel and the compiler ----------------------------------------------------
def test_secret_names_use_the_secret_managers_separator() -> None:
    aws = SecretStore(name="s", prefix="cloud-kernel/dev/")
    gcp = SecretStore(name="s", prefix="cloud-kernel_dev_", separator="_")
    assert aws.key("workspaces/retail/x") == "cloud-kernel/dev/workspaces/retail/x"
    assert gcp.key("workspaces/retail/x") == "cloud-kernel_dev_workspaces_retail_x"
    assert secret_id("cloud-kernel/dev/workspaces/retail/") == "cloud-kernel_dev_workspaces_retail_"
    # A workspace's prefix never covers another workspace whose name extends it (`_` is not a name character).
    assert not gcp.key("workspaces/retail-eu/x").startswith(gcp.key("workspaces/retail/"))


def test_workload_identity_egress_only_where_the_cloud_needs_it() -> None:
    assert workload_identity_egress("aws") == []
    rules = workload_identity_egress("gcp")
    assert {"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": [{"protocol": "TCP", "port": 80}]} in rules


# ----- backend helpers ----------------------------------------------------------------------------------------
def test_machine_types_and_surge_settings() -> None:
    assert machine_type(NodePoolSpec(machine="general-medium")) == "n2-standard-4"
    assert machine_type(NodePoolSpec(machine="compute-large")) == "c2d-highcpu-8"
    assert machine_type(NodePoolSpec.model_validate({"machine": "general-small", "gpu": {"class": "nvidia-t4"}})) == "n1-standard-4"
    assert machine_type(NodePoolSpec.model_validate({"machine": "general-xlarge", "gpu": {"class": "nvidia-a100", "count": 2}})) == "a2-highgpu-2g"
    assert per_zone(5, 3) == 2 and per_zone(0, 3) == 0
    settings = upgrade_settings(NodePoolSpec(maxSize=30, maxUnavailablePercent=20), 3)
    assert (settings.max_surge, settings.max_unavailable) == (1, 2)


def test_windows_and_authorized_networks() -> None:
    assert maintenance_window("03:00") == ("2025-01-04T03:00:00Z", "2025-01-04T07:00:00Z")
    assert maintenance_window("22:15") == ("2025-01-04T22:15:00Z", "2025-01-05T02:15:00Z")
    window = sql_window(PostgresSpec(maintenance_window="tue:23:30-wed:00:30"))
    assert (window.day, window.hour) == (2, 23)
    private = authorized_networks(ClusterSpec(), GcpSpec(deployerCidrs=["10.1.0.0/24"]))
    assert [(b.cidr_block, b.display_name) for b in private] == [("10.1.0.0/24", "deployer-1")]
    public = authorized_networks(ClusterSpec(publicEndpoint=True, publicAccessCidrs=["203.0.113.0/24"]), GcpSpec())
    assert [b.cidr_block for b in public] == ["203.0.113.0/24"]


def test_bucket_names_and_object_conditions() -> None:
    name = bucket_name("cloud-kernel", "prod-gcp", "lake", "my-project", "europe-west3")
    assert name == bucket_name("cloud-kernel", "prod-gcp", "lake", "my-project", "europe-west3")
    assert name.startswith("cloud-kernel-prod-gcp-lake-") and len(name) <= 63
    assert name != bucket_name("cloud-kernel", "prod-gcp", "lake", "other-project", "europe-west3")
    assert object_conditions("b", "") is None
    objects, listing = object_conditions("b", "/workspaces/retail/")
    assert objects == 'resource.name.startsWith("projects/_/buckets/b/objects/workspaces/retail/")'
    assert listing.endswith('startsWith("workspaces/retail/")')
