"""Limits and formats the clouds, Kubernetes and DNS document, as tables with their sources. Pure: no Pulumi.

Cloud-neutral rules (Kubernetes label syntax, DNS lengths, private address ranges, time windows) live here and
are used by the config models. What one cloud refuses lives in that cloud's table, `cloud_kernel/<cloud>/limits.py`
(`LIMITS`, a `CloudLimits`), found through `for_provider`; `cloud_kernel.checks` applies it to a stack config.
"""

from __future__ import annotations

import importlib
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# ----- names ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameRule:
    """What a provider accepts as the name of one kind of resource."""

    what: str  # "S3 bucket name"
    pattern: str  # the whole name must match
    hint: str  # the pattern in words, for messages
    max_length: int
    source: str
    min_length: int = 1
    forbidden: tuple[str, ...] = ()  # substrings
    forbidden_prefixes: tuple[str, ...] = ()
    forbidden_suffixes: tuple[str, ...] = ()

    def problems(self, name: str) -> list[str]:
        found = []
        if not self.min_length <= len(name) <= self.max_length:
            found.append(f"{len(name)} characters, the limit is {self.min_length}-{self.max_length}")
        if not re.fullmatch(self.pattern, name):
            found.append(f"must be {self.hint}")
        found += [f"must not contain {part!r}" for part in self.forbidden if part in name]
        found += [f"must not start with {part!r}" for part in self.forbidden_prefixes if name.startswith(part)]
        found += [f"must not end with {part!r}" for part in self.forbidden_suffixes if name.endswith(part)]
        return found


@dataclass(frozen=True)
class PhysicalName:
    """A name a stack gives a cloud resource. `path` is the config key it comes from (with the stack name),
    or "stack" when only the project and stack name make it."""

    kind: str  # key of the cloud's `name_rules`
    name: str
    path: str  # dotted, relative to `cloud-kernel:cloud` (config map keys never contain dots)
    role: str = ""  # what the resource is, when the path does not say ("the S3 access-log bucket")


# The stack name as Pulumi accepts it (before any cloud rule): https://www.pulumi.com/docs/iac/concepts/stacks/
PULUMI_STACK = NameRule(
    "Pulumi stack name",
    r"[A-Za-z0-9_.-]+",
    "letters, digits, '-', '_' and '.'",
    100,
    "https://www.pulumi.com/docs/iac/concepts/stacks/",
)

# ----- Kubernetes and DNS (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/) ----------
K8S_LABELS_SOURCE = "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set"
DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS_SUBDOMAIN = rf"{DNS_LABEL}(\.{DNS_LABEL})*"
LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
LABEL_NAME_MAX = 63
LABEL_PREFIX_MAX = 253
LABEL_VALUE_MAX = 63
DNS_LABEL_MAX = 63  # RFC 1035 2.3.4
DNS_NAME_MAX = 253  # RFC 1035 2.3.4 (255 octets on the wire, 253 characters written)
# Let's Encrypt: at most 100 names on one certificate (https://letsencrypt.org/docs/rate-limits/).
ACME_MAX_NAMES = 100


def label_key_problems(key: str) -> list[str]:
    """A Kubernetes label or taint key: an optional DNS-subdomain prefix and '/', then a name."""
    prefix, slash, name = key.rpartition("/")
    found = []
    if slash:
        if not prefix or len(prefix) > LABEL_PREFIX_MAX or not re.fullmatch(DNS_SUBDOMAIN, prefix):
            found.append(f"prefix {prefix!r} must be a lowercase DNS subdomain of at most {LABEL_PREFIX_MAX} characters")
    if len(name) > LABEL_NAME_MAX or not re.fullmatch(LABEL_NAME, name):
        found.append(
            f"name {name!r} must be 1-{LABEL_NAME_MAX} characters: letters, digits, '-', '_', '.', "
            "starting and ending with a letter or digit"
        )
    return found


def label_value_problems(value: str) -> list[str]:
    if value == "" or (len(value) <= LABEL_VALUE_MAX and re.fullmatch(LABEL_NAME, value)):
        return []
    return [
        f"value {value!r} must be empty or 1-{LABEL_VALUE_MAX} characters: letters, digits, '-', '_', '.', "
        "starting and ending with a letter or digit"
    ]


def dns_name_problems(name: str) -> list[str]:
    found = []
    if len(name) > DNS_NAME_MAX:
        found.append(f"{len(name)} characters; a DNS name has at most {DNS_NAME_MAX}")
    long = [label for label in name.split(".") if len(label) > DNS_LABEL_MAX]
    found += [f"label {label[:20]!r}... has {len(label)} characters; at most {DNS_LABEL_MAX}" for label in long]
    return found


# ----- networks -------------------------------------------------------------------------------------------------
# Private ranges a cloud network may use: RFC 1918 and the RFC 6598 shared address space.
PRIVATE_RANGES = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))
NETWORK_PREFIX = (16, 24)  # widest and narrowest network a stack may ask for


def network_problems(cidr: str) -> list[str]:
    net = ipaddress.ip_network(cidr, strict=True)
    if net.version != 4 or not any(net.subnet_of(r) for r in PRIVATE_RANGES):
        return [f"{cidr} is not inside a private range (RFC 1918: 10/8, 172.16/12, 192.168/16; RFC 6598: 100.64/10)"]
    low, high = NETWORK_PREFIX
    if not low <= net.prefixlen <= high:
        return [f"prefix length must be between /{low} and /{high}, not /{net.prefixlen}"]
    return []


# ----- time windows ---------------------------------------------------------------------------------------------
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEK_MINUTES = 7 * 24 * 60


def _minute(text: str) -> int:
    """`hh:mm` or `ddd:hh:mm` -> minutes since Monday 00:00 (since midnight without a day)."""
    parts = text.split(":")
    day = DAYS.index(parts.pop(0)) if len(parts) == 3 else 0
    hours, minutes = int(parts[0]), int(parts[1])
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text!r} is not a time (hh 00-23, mm 00-59)")
    return day * 24 * 60 + hours * 60 + minutes


def window_minutes(window: str) -> list[int]:
    """Every minute (of the week for `ddd:hh:mm-ddd:hh:mm`, of each day for `hh:mm-hh:mm`) a window covers.
    A window may wrap past midnight or the end of the week; an empty window is an error."""
    start_text, _, end_text = window.partition("-")
    start, end = _minute(start_text), _minute(end_text)
    period = WEEK_MINUTES if start_text.count(":") == 2 else 24 * 60
    length = (end - start) % period
    if length == 0:
        raise ValueError(f"{window!r} is empty: it starts and ends at the same time")
    return [(start + i) % period for i in range(length)]


def daily_to_weekly(minutes: Iterable[int]) -> set[int]:
    """A daily window's minutes on every day of the week."""
    return {day * 24 * 60 + m for day in range(7) for m in minutes}


# ----- public allow-lists ---------------------------------------------------------------------------------------
def allow_list_addresses(cidrs: Iterable[str]) -> dict[int, int]:
    """Addresses the union of `cidrs` covers, per IP version (overlaps counted once); invalid entries are ignored."""
    nets: dict[int, list[Any]] = {4: [], 6: []}
    for cidr in cidrs:
        try:
            net = ipaddress.ip_network(str(cidr).strip(), strict=False)
        except ValueError:
            continue
        nets[net.version].append(net)
    return {v: sum(n.num_addresses for n in ipaddress.collapse_addresses(found)) for v, found in nets.items() if found}


def covers_whole_internet(cidrs: Iterable[str]) -> bool:
    """True when the union of `cidrs` is all of IPv4 or all of IPv6, however it is written (0.0.0.0/0,
    two /1s, 256 /8s, ...)."""
    covered = allow_list_addresses(cidrs)
    return covered.get(4, 0) >= 2**32 or covered.get(6, 0) >= 2**128


def widest_allowed(cidrs: Iterable[str], widest_prefix: int) -> str | None:
    """Why an allow-list is wider than one IPv4 /`widest_prefix` (or IPv6 /`widest_prefix + 32`), or None."""
    covered = allow_list_addresses(cidrs)
    if covered.get(4, 0) > 2 ** (32 - widest_prefix):
        return f"covers {covered[4]} IPv4 addresses, more than one /{widest_prefix} ({2 ** (32 - widest_prefix)})"
    if covered.get(6, 0) > 2 ** (128 - widest_prefix - 32):
        return f"covers more IPv6 addresses than one /{widest_prefix + 32}"
    return None


# ----- per-cloud tables -----------------------------------------------------------------------------------------
Problem = tuple[tuple, str]  # (keys and indexes relative to `cloud-kernel:cloud`, message)


@dataclass(frozen=True)
class CloudLimits:
    """What one cloud refuses, with a source for every number. `physical_names(project, stack, spec)` lists
    every name the stack gives that cloud's resources; `extra(spec)` holds rules that fit no column."""

    cloud: str  # its name in messages ("AWS")
    sources: dict[str, str]
    name_rules: dict[str, NameRule]
    physical_names: Callable[[str, str, Any], list[PhysicalName]]
    # Name kinds that share one namespace (e.g. RDS instances and clusters); uniqueness is checked per group.
    name_groups: dict[str, str] = field(default_factory=dict)
    log_retention_days: frozenset[int] | None = None
    min_zones: int = 1
    max_node_pools: int = 100
    max_pool_size: int = 1000
    max_taints: int = 1000
    label_key_max: int | None = None  # stricter than Kubernetes' prefix + name
    label_value_min: int = 0
    taint_key_max: int | None = None
    interface_endpoints: frozenset[str] | None = None
    reserved_cidrs: dict[str, str] = field(default_factory=dict)  # CIDR -> why the network must not overlap it
    public_access_ip_versions: frozenset[int] = frozenset({4, 6})  # what a public API allow-list may name
    max_public_access_cidrs: int = 1000
    admin_principal: str | None = None  # pattern of a cluster admin principal
    admin_principal_hint: str = ""
    backup_window_min_minutes: int = 0
    maintenance_window_min_minutes: int = 0
    windows_may_overlap: bool = True
    extra: Callable[[Any], list[Problem]] = lambda spec: []


def for_provider(provider: str) -> CloudLimits | None:
    """The table of `provider` (`cloud_kernel/<provider>/limits.py`), imported on demand so a check never
    loads another cloud's module; None while that cloud has no table yet."""
    name = f"cloud_kernel.{provider}.limits"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name in (name, f"cloud_kernel.{provider}"):
            return None
        raise
    return module.LIMITS
