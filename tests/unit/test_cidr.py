"""The subnet planner: properties over arbitrary networks, zone counts and prefix lengths."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cloud_kernel.cidr import CidrPlanError, plan_subnets


@st.composite
def layouts(draw):
    prefix = draw(st.integers(min_value=8, max_value=24))
    base = draw(st.sampled_from(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]))
    outer = ipaddress.ip_network(base)
    assume(prefix >= outer.prefixlen)
    index = draw(st.integers(min_value=0, max_value=2 ** (prefix - outer.prefixlen) - 1))
    network = ipaddress.ip_network((int(outer.network_address) + index * 2 ** (32 - prefix), prefix))
    private = draw(st.integers(min_value=prefix + 1, max_value=28))
    public = draw(st.integers(min_value=prefix + 1, max_value=28))
    zones = draw(st.integers(min_value=1, max_value=6))
    return str(network), zones, private, public


def fits(network: str, zones: int, private: int, public: int) -> bool:
    net = ipaddress.ip_network(network)
    return zones * (2 ** (32 - private) + 2 ** (32 - public)) <= net.num_addresses


@settings(max_examples=300, deadline=None)
@given(layouts())
def test_subnets_are_inside_the_network_and_never_overlap(layout) -> None:
    network, zones, private, public = layout
    assume(fits(*layout))
    plan = plan_subnets(network, zones, private, public)
    net = ipaddress.ip_network(network)
    subnets = [ipaddress.ip_network(s) for z in plan for s in (z.private, z.public)]
    assert len(plan) == zones
    assert all(s.subnet_of(net) for s in subnets)
    assert all(ipaddress.ip_network(z.private).prefixlen == private for z in plan)
    assert all(ipaddress.ip_network(z.public).prefixlen == public for z in plan)
    for i, a in enumerate(subnets):
        for b in subnets[i + 1 :]:
            assert not a.overlaps(b), (a, b)


@settings(max_examples=200, deadline=None)
@given(layouts())
def test_adding_zones_never_moves_existing_subnets(layout) -> None:
    network, zones, private, public = layout
    assume(fits(*layout) and zones > 1)
    fewer = plan_subnets(network, zones - 1, private, public)
    more = plan_subnets(network, zones, private, public)
    assert more[: zones - 1] == fewer


@settings(max_examples=200, deadline=None)
@given(layouts())
def test_planning_is_deterministic_and_fails_exactly_when_it_does_not_fit(layout) -> None:
    if fits(*layout):
        assert plan_subnets(*layout) == plan_subnets(*layout)
    else:
        with pytest.raises(CidrPlanError, match="need"):
            plan_subnets(*layout)


def test_known_layout() -> None:
    plan = plan_subnets("10.20.0.0/16", 3, 19, 24)
    assert [(z.private, z.public) for z in plan] == [
        ("10.20.0.0/19", "10.20.255.0/24"),
        ("10.20.32.0/19", "10.20.254.0/24"),
        ("10.20.64.0/19", "10.20.253.0/24"),
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (("10.0.0.0/16", 0, 19, 24), "at least one zone"),
        (("10.0.0.0/16", 3, 16, 24), "longer than"),
        (("10.0.0.0/16", 6, 18, 24), "need"),
    ],
)
def test_bad_layouts_are_refused(args, message) -> None:
    with pytest.raises(CidrPlanError, match=message):
        plan_subnets(*args)


def test_every_layout_the_spec_accepts_is_plannable() -> None:
    """NetworkSpec's fit check and the planner agree (the spec stops bad configs before the planner runs)."""
    from cloud_kernel.specs import NetworkSpec

    for zones in range(1, 7):
        for private in (18, 19, 20, 22):
            try:
                spec = NetworkSpec(cidr="10.0.0.0/16", zones=zones, private_subnet_prefix=private, public_subnet_prefix=24)
            except ValueError:
                assert not fits("10.0.0.0/16", zones, private, 24)
                continue
            assert len(plan_subnets(spec.cidr, spec.zones, spec.private_subnet_prefix, spec.public_subnet_prefix)) == zones
