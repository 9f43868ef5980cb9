"""The stack config models: valid stacks parse, each rule rejects what it should, errors name key paths."""

from __future__ import annotations

import copy
import ipaddress
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cloud_kernel.specs import NetworkSpec, NodePoolSpec
from infra.config import ConfigError, parse, read_stack_file

ROOT = Path(__file__).resolve().parents[2]
STACK_FILES = sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))


def base_values() -> dict:
    return read_stack_file(ROOT / "stacks" / "Pulumi.dev-aws.yaml")


def issues_of(values: dict) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse(values, "stack.yaml")
    return {issue.path: issue.message for issue in caught.value.issues}


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_stack_file_is_valid(path: Path) -> None:
    config = parse(read_stack_file(path), str(path))
    assert config.cloud.node_pools, "a stack needs at least one node pool"


def test_models_are_frozen() -> None:
    config = parse(base_values(), "stack.yaml")
    with pytest.raises(Exception):
        config.cloud.region = "us-east-1"  # type: ignore[misc]


def test_unknown_key_wrong_type_and_bounds_are_all_reported_at_once() -> None:
    values = base_values()
    cloud = values["cloud-kernel:cloud"]
    cloud["nodePools"]["system"]["colour"] = "blue"
    cloud["nodePools"]["batch"]["maxSize"] = "many"
    cloud["nodePools"]["extra"] = {"minSize": 9, "maxSize": 3}
    cloud["postgres"]["platform"]["size"] = "huge"
    issues = issues_of(values)
    assert issues["cloud-kernel:cloud.nodePools.system.colour"] == "unknown key"
    assert "integer" in issues["cloud-kernel:cloud.nodePools.batch.maxSize"]
    assert "minSize (9) is greater than maxSize (3)" in issues["cloud-kernel:cloud.nodePools.extra"]
    assert "cloud-kernel:cloud.postgres.platform.size" in issues


def test_unknown_top_level_key_in_our_namespace() -> None:
    values = base_values()
    values["cloud-kernel:clodu"] = {}
    assert "cloud-kernel:clodu" in issues_of(values)


def test_other_namespaces_are_left_to_pulumi() -> None:
    values = base_values()
    values["aws:region"] = "eu-west-1"
    parse(values, "stack.yaml")


@pytest.mark.parametrize(
    "mutate, path, fragment",
    [
        (lambda c: c["network"].update(cidr="8.8.0.0/16"), "cloud-kernel:cloud.network.cidr", "private"),
        (lambda c: c["network"].update(cidr="10.0.0.0/20", privateSubnetPrefix=21), "cloud-kernel:cloud.network", "addresses"),
        (lambda c: c["network"].update(cidr="10.0.0.0/23"), "cloud-kernel:cloud.network", "longer than"),
        (lambda c: c["nodePools"].update({"Bad_Name": {}}), "cloud-kernel:cloud.nodePools.Bad_Name", "invalid name"),
        (lambda c: c["postgres"]["platform"].update(version="9"), "cloud-kernel:cloud.postgres.platform.version", ""),
        (lambda c: c["postgres"]["platform"].update(maxStorageGb=30, storageGb=50), "cloud-kernel:cloud.postgres.platform", ""),
        (lambda c: c["cluster"].update(publicAccessCidrs=[]), "cloud-kernel:cloud.cluster", "needs publicAccessCidrs"),
        (lambda c: c["cluster"].update(publicAccessCidrs=["0.0.0.0/0"]), "cloud-kernel:cloud.cluster.publicAccessCidrs", "allow-list"),
        (lambda c: c["volumes"]["classes"]["standard"].update(default=False), "cloud-kernel:cloud.volumes", "default"),
        (lambda c: c.pop("provider"), "cloud-kernel:cloud.provider", "missing"),
        (lambda c: c.update(provider="openstack"), "cloud-kernel:cloud.provider", ""),
    ],
)
def test_rule_rejects(mutate, path: str, fragment: str) -> None:
    values = base_values()
    mutate(values["cloud-kernel:cloud"])
    issues = issues_of(values)
    assert path in issues, issues
    assert fragment in issues[path]


def test_prod_rules_each_name_their_key() -> None:
    values = base_values()  # dev-aws: public endpoint, single NAT, single-AZ database with 7-day backups
    values["cloud-kernel:environment"] = "prod"
    issues = issues_of(values)
    assert "must be false in prod" in issues["cloud-kernel:cloud.cluster.publicEndpoint"]
    assert "perZone" in issues["cloud-kernel:cloud.network.nat"]
    assert "at least 14" in issues["cloud-kernel:cloud.postgres.platform.backupRetentionDays"]
    assert "must be true" in issues["cloud-kernel:cloud.postgres.platform.deletionProtection"]
    assert "Multi-AZ" in issues["cloud-kernel:cloud.postgres.platform.highAvailability"]


def test_catalog_database_must_exist() -> None:
    values = base_values()
    values["cloud-kernel:cloud"]["postgres"] = {"other": values["cloud-kernel:cloud"]["postgres"]["platform"]}
    issues = issues_of(values)
    assert "no postgres instance 'platform'" in issues["cloud-kernel:core.catalog.database"]


@settings(max_examples=60, deadline=None)
@given(min_size=st.integers(0, 40), max_size=st.integers(1, 40))
def test_node_pool_bounds_property(min_size: int, max_size: int) -> None:
    ok = min_size <= max_size
    try:
        NodePoolSpec(min_size=min_size, max_size=max_size)
    except ValueError as exc:
        assert not ok and "greater than maxSize" in str(exc)
    else:
        assert ok


@settings(max_examples=80, deadline=None)
@given(
    prefix=st.integers(12, 26),
    zones=st.integers(1, 6),
    private=st.integers(16, 28),
    public=st.integers(16, 28),
)
def test_network_fits_property(prefix: int, zones: int, private: int, public: int) -> None:
    cidr = f"10.0.0.0/{prefix}"
    fits = (
        16 <= prefix <= 24
        and private > prefix
        and public > prefix
        and zones * (2 ** (32 - private) + 2 ** (32 - public)) <= 2 ** (32 - prefix)
    )
    try:
        spec = NetworkSpec(cidr=cidr, zones=zones, private_subnet_prefix=private, public_subnet_prefix=public)
    except ValueError:
        assert not fits
    else:
        assert fits and ipaddress.ip_network(spec.cidr).prefixlen == prefix


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), st.integers() | st.text(max_size=5), max_size=3))
def test_arbitrary_extra_keys_only_ever_give_config_errors(extra: dict) -> None:
    values = copy.deepcopy(base_values())
    values["cloud-kernel:cloud"]["nodePools"]["system"].update(extra)
    try:
        parse(values, "stack.yaml")
    except ConfigError as exc:
        assert all(line.startswith("stack.yaml: cloud-kernel:") for line in exc.lines())


def test_stack_file_must_be_yaml_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.x.yaml"
    bad.write_text("config: [1, 2\n")
    with pytest.raises(ConfigError) as caught:
        read_stack_file(bad)
    assert caught.value.lines()[0].startswith(f"{bad}: file: not valid YAML")
    bad.write_text(yaml.safe_dump(["a"]))
    with pytest.raises(ConfigError):
        read_stack_file(bad)
