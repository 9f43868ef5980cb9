"""Apply a cloud's limits table (`cloud_kernel/<cloud>/limits.py`) to a `cloud-kernel:cloud` spec: every physical
name, count, size, retention, window and principal checked before any resource exists. Pure: no Pulumi import.

Each problem is `(path, message)`, the path a tuple of keys and list indexes relative to `cloud-kernel:cloud`,
or `STACK` when the stack name is at fault. The rules are the cloud's; this module only walks the spec, so every cloud reuses it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from cloud_kernel.limits import (
    PULUMI_STACK,
    CloudLimits,
    PhysicalName,
    Problem,
    daily_to_weekly,
    for_provider,
    window_minutes,
)
from cloud_kernel.specs import CloudKernelSpec, NodePoolSpec, PostgresSpec

STACK: tuple = ()  # the path of problems caused by the stack name itself
SAFE_STACK = "dev"  # a stack name every rule accepts: a name still wrong with it is the config key's fault


def cloud_problems(spec: CloudKernelSpec, *, project: str, stack: str | None) -> list[Problem]:
    """Everything the cloud of `spec` would refuse. Without the stack name, names are checked with a short one
    (what the config keys alone break)."""
    limits = for_provider(spec.provider)
    if limits is None:
        return []
    found: list[Problem] = name_problems(limits, spec, project, stack or SAFE_STACK)
    found += _network(limits, spec)
    found += _cluster(limits, spec)
    for key, pool in sorted(spec.node_pools.items()):
        found += [(("nodePools", key, *path), message) for path, message in _pool(limits, pool)]
    if len(spec.node_pools) > limits.max_node_pools:
        found.append((("nodePools",), _over(limits, "max_node_pools", len(spec.node_pools), "node pools")))
    for key, db in sorted(spec.postgres.items()):
        found += [(("postgres", key, *path), message) for path, message in _windows(limits, db)]
    return found + limits.extra(spec)


def _over(limits: CloudLimits, column: str, value: int, what: str) -> str:
    return f"{value} {what}; {limits.cloud} allows at most {getattr(limits, column)} ({limits.sources[column]})"


# ----- names ------------------------------------------------------------------------------------------------------
def name_problems(limits: CloudLimits, spec: CloudKernelSpec, project: str, stack: str) -> list[Problem]:
    """Each physical name against its rule, then uniqueness within its group. A name that the same config with
    a safe stack name would make valid is the stack name's fault, and is reported on `stack`."""
    found: list[Problem] = [(STACK, f"{stack!r} is not a valid {PULUMI_STACK.what}: {p}") for p in PULUMI_STACK.problems(stack)]
    real = limits.physical_names(project, stack, spec)
    safe = limits.physical_names(project, SAFE_STACK, spec)
    blamed_on_stack: set[str] = set()  # one message per rule the stack name breaks, not one per name
    for name, reference in zip(real, safe):
        rule = limits.name_rules[name.kind]
        problems = rule.problems(name.name)
        if not problems:
            continue
        if rule.problems(reference.name):
            found.append((tuple(name.path.split(".")), f"gives the {rule.what} {name.name!r}, which {limits.cloud} refuses: {'; '.join(problems)}"))
        elif name.kind not in blamed_on_stack:
            blamed_on_stack.add(name.kind)
            found.append((STACK, f"{stack!r} gives the {rule.what} {name.name!r}: {'; '.join(problems)} ({rule.source})"))
    found += _duplicates(limits, real)
    return _unique(found)


def _duplicates(limits: CloudLimits, names: list[PhysicalName]) -> Iterator[Problem]:
    seen: dict[tuple[str, str], PhysicalName] = {}
    for name in names:
        group = limits.name_groups.get(name.kind, name.kind)
        first = seen.setdefault((group, name.name.lower()), name)
        if first is not name:
            what = limits.name_rules[name.kind].what
            yield tuple(name.path.split(".")), f"gives the {what} {name.name!r}, the same as {first.role or first.path} (names must be unique)"


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


# ----- network and cluster ----------------------------------------------------------------------------------------
def _network(limits: CloudLimits, spec: CloudKernelSpec) -> list[Problem]:
    network, found = spec.network, []
    if network.zones < limits.min_zones:
        found.append((("network", "zones"), f"{network.zones} zone(s); {limits.cloud} needs at least {limits.min_zones} ({limits.sources['min_zones']})"))
    own = ipaddress.ip_network(network.cidr)
    for cidr, why in limits.reserved_cidrs.items():
        if own.overlaps(ipaddress.ip_network(cidr)):
            found.append((("network", "cidr"), f"{network.cidr} overlaps {cidr}, {why}"))
    if limits.interface_endpoints is not None:
        for index, service in enumerate(network.interface_endpoints):
            if service not in limits.interface_endpoints:
                known = ", ".join(sorted(limits.interface_endpoints))
                found.append((("network", "interfaceEndpoints", index), f"{service!r} is not a known interface endpoint (known: {known})"))
    found += _retention(limits, ("network", "flowLogRetentionDays"), network.flow_log_retention_days)
    return found


def _retention(limits: CloudLimits, path: tuple, days: int) -> list[Problem]:
    allowed = limits.log_retention_days
    if allowed is None or days in allowed:
        return []
    nearest = min(allowed, key=lambda a: (abs(a - days), a))
    return [(path, f"{days} is not a retention {limits.cloud} accepts (use e.g. {nearest}; allowed: "
                   f"{', '.join(map(str, sorted(allowed)))}; {limits.sources['log_retention_days']})")]


def _cluster(limits: CloudLimits, spec: CloudKernelSpec) -> list[Problem]:
    found = _retention(limits, ("cluster", "logRetentionDays"), spec.cluster.log_retention_days)
    cidrs = spec.cluster.public_access_cidrs
    if len(cidrs) > limits.max_public_access_cidrs:
        found.append((("cluster", "publicAccessCidrs"), f"{len(cidrs)} CIDRs; {limits.cloud} allows {limits.max_public_access_cidrs} ({limits.sources['public_access']})"))
    for index, cidr in enumerate(cidrs):
        if ipaddress.ip_network(cidr).version not in limits.public_access_ip_versions:
            found.append((("cluster", "publicAccessCidrs", index), f"{cidr}: {limits.cloud} takes no IPv6 block here ({limits.sources['public_access']})"))
    if limits.admin_principal is not None:
        for index, principal in enumerate(spec.cluster.admins):
            if not re.fullmatch(limits.admin_principal, principal):
                found.append((("cluster", "admins", index), f"{principal!r} is not {limits.admin_principal_hint}"))
    return found


# ----- node pools -------------------------------------------------------------------------------------------------
def _pool(limits: CloudLimits, pool: NodePoolSpec) -> list[Problem]:
    found: list[Problem] = []
    if pool.max_size > limits.max_pool_size:
        found.append((("maxSize",), _over(limits, "max_pool_size", pool.max_size, "nodes")))
    if len(pool.taints) > limits.max_taints:
        found.append((("taints",), _over(limits, "max_taints", len(pool.taints), "taints")))
    for key, value in pool.labels.items():
        if limits.label_key_max is not None and len(key) > limits.label_key_max:
            found.append((("labels", key), f"key has {len(key)} characters; {limits.cloud} allows {limits.label_key_max} ({limits.sources['labels']})"))
        if len(value) < limits.label_value_min:
            found.append((("labels", key), f"{limits.cloud} refuses an empty label value ({limits.sources['labels']})"))
    for index, taint in enumerate(pool.taints):
        if limits.taint_key_max is not None and len(taint.key) > limits.taint_key_max:
            found.append((("taints", index, "key"), f"{len(taint.key)} characters; {limits.cloud} allows {limits.taint_key_max} ({limits.sources['taint_key_max']})"))
    return found


# ----- database windows -------------------------------------------------------------------------------------------
def _windows(limits: CloudLimits, db: PostgresSpec) -> list[Problem]:
    found: list[Problem] = []
    backup = window_minutes(db.backup_window)
    maintenance = window_minutes(db.maintenance_window)
    source = limits.sources.get("db_windows", "")
    if len(backup) < limits.backup_window_min_minutes:
        found.append((("backupWindow",), f"a {len(backup)}-minute window; {limits.cloud} needs at least {limits.backup_window_min_minutes} ({source})"))
    if len(maintenance) < limits.maintenance_window_min_minutes:
        found.append((("maintenanceWindow",), f"a {len(maintenance)}-minute window; {limits.cloud} needs at least {limits.maintenance_window_min_minutes} ({source})"))
    if not limits.windows_may_overlap and daily_to_weekly(backup) & set(maintenance):
        found.append((("maintenanceWindow",), f"overlaps backupWindow {db.backup_window} (UTC, every day); {limits.cloud} refuses that ({source})"))
    return found
