"""The pure rules behind validation: allow-list coverage, windows, label syntax, name rules, the AWS table."""

from __future__ import annotations

import ipaddress
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloud_kernel.aws import names
from cloud_kernel.aws.limits import LIMITS, NAME_RULES
from cloud_kernel.limits import (
    covers_whole_internet,
    for_provider,
    label_key_problems,
    label_value_problems,
    network_problems,
    widest_allowed,
    window_minutes,
)


def split(network: ipaddress.IPv4Network, rng: random.Random, depth: int) -> list[ipaddress.IPv4Network]:
    """Cover `network` exactly with randomly sized, non-overlapping subnets."""
    if depth == 0 or network.prefixlen >= 32 or rng.random() < 0.3:
        return [network]
    return [part for half in network.subnets(1) for part in split(half, rng, depth - 1)]


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10**6), depth=st.integers(1, 9))
def test_any_exact_cover_of_the_internet_is_the_whole_internet(seed: int, depth: int) -> None:
    rng = random.Random(seed)
    parts = split(ipaddress.ip_network("0.0.0.0/0"), rng, depth)
    texts = [str(p) for p in parts]
    rng.shuffle(texts)
    assert covers_whole_internet(texts + texts[:1])  # a repeat changes nothing
    if len(parts) > 1:
        missing = rng.randrange(len(texts))
        assert not covers_whole_internet(texts[:missing] + texts[missing + 1 :])


def test_ipv6_and_wide_allow_lists() -> None:
    assert covers_whole_internet(["::/1", "8000::/1"])
    assert not covers_whole_internet(["203.0.113.0/24", "::/1"])
    assert widest_allowed(["203.0.0.0/16"], 16) is None
    assert widest_allowed(["203.0.0.0/17", "203.0.128.0/17"], 16) is None
    assert "more than one /16" in widest_allowed(["203.0.0.0/16", "198.51.100.0/24"], 16)
    assert widest_allowed(["203.0.0.0/15"], 15) is None


@pytest.mark.parametrize(
    "window, minutes",
    [("02:00-03:00", 60), ("23:30-00:15", 45), ("sun:23:30-mon:00:30", 60), ("sat:00:00-sun:00:00", 1440), ("sun:03:30-sun:03:31", 1)],
)
def test_window_lengths_wrap_past_midnight_and_the_week(window: str, minutes: int) -> None:
    assert len(window_minutes(window)) == minutes


@pytest.mark.parametrize("window, reason", [("25:00-02:00", "not a time"), ("02:61-03:00", "not a time"), ("mon:01:00-mon:01:00", "empty")])
def test_bad_windows(window: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        window_minutes(window)


@pytest.mark.parametrize(
    "key, ok",
    [("cloud-kernel.io/pool", True), ("a", True), ("A_b.c-d", True), ("x" * 63, True), ("x" * 64, False), ("Example.com/a", False),
     ("/a", False), ("a/", False), ("a b", False), ("-a", False), (("p" * 60 + ".") * 4 + "io/a", True), (("p" * 60 + ".") * 5 + "io/a", False)],
)
def test_label_keys_follow_kubernetes(key: str, ok: bool) -> None:
    assert (label_key_problems(key) == []) is ok


@pytest.mark.parametrize("value, ok", [("", True), ("true", True), ("x" * 63, True), ("x" * 64, False), ("a b", False), ("a-", False)])
def test_label_values_follow_kubernetes(value: str, ok: bool) -> None:
    assert (label_value_problems(value) == []) is ok


@pytest.mark.parametrize(
    "cidr, ok",
    [("10.20.0.0/16", True), ("172.16.0.0/20", True), ("192.168.0.0/24", True), ("100.64.0.0/16", True),
     ("10.0.0.0/8", False), ("10.0.0.0/25", False), ("0.0.0.0/8", False), ("127.0.0.0/16", False), ("169.254.0.0/16", False),
     ("8.8.0.0/16", False), ("172.32.0.0/16", False)],
)
def test_networks_are_private_and_sized(cidr: str, ok: bool) -> None:
    assert (network_problems(cidr) == []) is ok


def test_s3_rule() -> None:
    rule = NAME_RULES["s3-bucket"]
    assert rule.problems("cloud-kernel-dev-aws-lake-0a1b2c3d") == []
    for bad in ("ab", "Upper-case", "a..b", "xn--bucket", "bucket-s3alias", "-start", "a" * 64):
        assert rule.problems(bad), bad


def test_bucket_names_stay_within_63_and_differ_by_key() -> None:
    long = names.bucket_name("cloud-kernel", "s" * 40, "k" * 24, "123456789012", "eu-west-1")
    assert len(long) <= 63 and NAME_RULES["s3-bucket"].problems(long) == []
    assert names.bucket_name("p", "s", "a", "1", "r") != names.bucket_name("p", "s", "b", "1", "r")


def test_every_physical_name_kind_has_a_rule_and_every_column_a_source() -> None:
    kinds = {"eks-cluster", "tag-value", "log-group", "kms-alias", "s3-bucket", "rds-identifier", "rds-snapshot"}
    assert kinds <= set(NAME_RULES)
    for column in ("log_retention_days", "min_zones", "max_node_pools", "max_pool_size", "max_taints", "labels", "taint_key_max", "db_windows"):
        assert LIMITS.sources[column].startswith("https://"), column
    assert all(rule.source.startswith("https://") for rule in NAME_RULES.values())


def test_tables_are_found_by_provider_name() -> None:
    assert for_provider("aws") is LIMITS
    assert for_provider("nosuchcloud") is None
