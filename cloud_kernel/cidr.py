"""Subnet planning: a pure function from (network CIDR, zones, prefix lengths) to one private and one public
subnet per zone.

Layout: private subnets are carved from the start of the network, zone `i` taking the `i`-th block of its
size; public subnets from the end, zone `i` taking the `i`-th block counted backwards. Hence:
- a zone's subnets depend only on its index, never on how many zones there are: adding a zone adds two
  subnets and moves none (no subnet replacement, no node or database churn);
- the two families grow towards each other and cannot overlap while `zones * (private + public)` addresses
  fit, which is exactly the check `NetworkSpec` makes when the config is loaded;
- every block is aligned to its own size (network sizes are powers of two), so each CIDR is valid.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


class CidrPlanError(ValueError):
    """The requested subnets do not fit in the network."""


@dataclass(frozen=True)
class ZoneSubnets:
    index: int
    private: str
    public: str


def plan_subnets(network: str, zones: int, private_prefix: int, public_prefix: int) -> list[ZoneSubnets]:
    """One private and one public subnet per zone index, as described in the module docstring."""
    net = ipaddress.ip_network(network, strict=True)
    if zones < 1:
        raise CidrPlanError("at least one zone is needed")
    if private_prefix <= net.prefixlen or public_prefix <= net.prefixlen:
        raise CidrPlanError(f"subnet prefixes must be longer than the network's /{net.prefixlen}")
    if private_prefix > net.max_prefixlen or public_prefix > net.max_prefixlen:
        raise CidrPlanError("subnet prefix longer than the address family allows")
    private_size = 2 ** (net.max_prefixlen - private_prefix)
    public_size = 2 ** (net.max_prefixlen - public_prefix)
    if zones * (private_size + public_size) > net.num_addresses:
        raise CidrPlanError(
            f"{zones} zones of /{private_prefix} private and /{public_prefix} public subnets "
            f"need {zones * (private_size + public_size)} addresses; {network} has {net.num_addresses}"
        )
    base = int(net.network_address)
    end = base + net.num_addresses
    plan = []
    for index in range(zones):
        private = ipaddress.ip_network((base + index * private_size, private_prefix))
        public = ipaddress.ip_network((end - (index + 1) * public_size, public_prefix))
        plan.append(ZoneSubnets(index=index, private=str(private), public=str(public)))
    return plan


def plan_ranges(network: str, prefixes: dict[str, int]) -> dict[str, str]:
    """Disjoint, aligned blocks of `network`, one per named prefix length (GKE: nodes, pods, services and the
    private-services range of one regional subnet).

    Larger blocks are placed first (ties by name), each at the lowest free address aligned to its size, so
    the result depends only on the inputs and every block is a valid CIDR."""
    net = ipaddress.ip_network(network, strict=True)
    for key, prefix in prefixes.items():
        if not net.prefixlen < prefix <= net.max_prefixlen:
            raise CidrPlanError(f"{key}: /{prefix} does not fit inside {network}")
    needed = sum(2 ** (net.max_prefixlen - p) for p in prefixes.values())
    if needed > net.num_addresses:
        sizes = ", ".join(f"{k} /{p}" for k, p in sorted(prefixes.items()))
        raise CidrPlanError(f"{sizes} need {needed} addresses; {network} has {net.num_addresses}")
    base = int(net.network_address)
    offset = 0
    plan: dict[str, str] = {}
    for key, prefix in sorted(prefixes.items(), key=lambda item: (item[1], item[0])):
        size = 2 ** (net.max_prefixlen - prefix)
        offset = -(-offset // size) * size  # round up to the block's alignment
        plan[key] = str(ipaddress.ip_network((base + offset, prefix)))
        offset += size
    return plan
