"""Cron expressions as the Workflow, Monitor, Cluster and Bundle schedules write them (5-field, quoted)."""

from __future__ import annotations

from croniter import croniter


def check_cron(expr: str) -> str:
    """Return `expr` if croniter parses it; raise ValueError with the reason otherwise."""
    if not isinstance(expr, str) or not expr.strip():
        raise ValueError("a cron expression must be a non-empty string")
    try:
        valid = croniter.is_valid(expr)
    except Exception:  # noqa: BLE001 - croniter raises several types for garbage input
        valid = False
    if not valid:
        raise ValueError(f"{expr!r} is not a valid cron expression (minute hour day-of-month month day-of-week)")
    return expr
