"""Status in DataOS's model (dataos-resources.md §23.2), computed from what the API server shows. Pure.

`phase` is DataOS's STATUS: pending (accepted, not reconciled yet, or waiting for a dependency), active
(every object applied: usable by other Resources), error (it cannot compile or apply), deleted.
`runtime` is the execution state of runnables, from the objects the Resource owns: running:<n> from the
ready replicas of its Deployments, the phase of its Argo Workflow, the last and next run of its
CronWorkflow, a Job's outcome; empty for non-runnables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

PENDING, ACTIVE, ERROR, DELETED = "pending", "active", "error", "deleted"
RUNNABLES = frozenset({"service", "worker", "workflow", "cluster", "database"})


@dataclass
class Outcome:
    """What one reconcile found: the inputs of a status."""

    phase: str
    reason: str
    message: str
    objects: list[dict[str, str]] = field(default_factory=list)
    runtime: str = ""
    unsupported: list[str] = field(default_factory=list)


def _deployment(o: dict[str, Any]) -> tuple[str, int]:
    ready = int((o.get("status") or {}).get("readyReplicas") or 0)
    return ("running", ready) if ready else ("pending", 0)


def _workflow(o: dict[str, Any]) -> str:
    phase = (o.get("status") or {}).get("phase") or ""
    return {"Running": "running", "Succeeded": "succeeded", "Failed": "failed", "Error": "failed"}.get(phase, "pending")


def next_run(spec: dict[str, Any], now: datetime) -> str:
    """`next:<ISO time>` of a CronWorkflow's schedule in its timezone, as UTC."""
    schedules = spec.get("schedules") or ([spec["schedule"]] if spec.get("schedule") else [])
    if not schedules:
        return "pending"
    tz = ZoneInfo(spec.get("timezone") or "UTC")
    local = now.astimezone(tz)
    upcoming = min(croniter(s, local).get_next(datetime) for s in schedules)
    return "next:" + upcoming.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cron_workflow(o: dict[str, Any], now: datetime) -> str:
    status = o.get("status") or {}
    if status.get("active"):
        return "running"
    if (o.get("spec") or {}).get("suspend"):
        return "pending"
    conditions = {c.get("type"): c for c in status.get("conditions") or []}
    if (conditions.get("SpecError") or {}).get("status") == "True":
        return "failed"
    return next_run(o.get("spec") or {}, now)


def _job(o: dict[str, Any]) -> str:
    status = o.get("status") or {}
    for c in status.get("conditions") or []:
        if c.get("status") == "True" and c.get("type") in ("Complete", "SuccessCriteriaMet"):
            return "succeeded"
        if c.get("status") == "True" and c.get("type") == "Failed":
            return "failed"
    return "running" if status.get("active") else "pending"


def runtime_of(res_type: str, live: list[dict[str, Any]], now: datetime, migrated: bool | None = None) -> str:
    """The runtime of a Resource from the live objects it owns (`migrated`: a Database's migration outcome)."""
    if res_type == "database":
        return {True: "succeeded", False: "failed", None: "pending"}[migrated]
    if res_type not in RUNNABLES:
        return ""
    deployments = [o for o in live if o.get("kind") == "Deployment"]
    if deployments:
        states = [_deployment(o) for o in deployments]
        ready = sum(n for _, n in states)
        return f"running:{ready}" if ready else "pending"
    for kind, fn in (("Workflow", _workflow), ("Job", _job)):
        found = [o for o in live if o.get("kind") == kind]
        if found:
            return fn(found[0])
    crons = [o for o in live if o.get("kind") == "CronWorkflow"]
    if crons:
        return _cron_workflow(crons[0], now)
    return "pending"


def _condition(kind: str, ok: bool, reason: str, message: str, generation: int, previous: dict[str, Any],
               now: str) -> dict[str, Any]:
    status = "True" if ok else "False"
    old = previous.get(kind) or {}
    since = old.get("lastTransitionTime") if old.get("status") == status else None
    return {"type": kind, "status": status, "reason": reason, "message": message[:4000],
            "observedGeneration": generation, "lastTransitionTime": since or now}


def build_status(outcome: Outcome, generation: int, previous: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    """The status subresource body. Conditions keep their lastTransitionTime while their status holds, so an
    unchanged outcome gives an unchanged status (and no write)."""
    prev = {c.get("type"): c for c in (previous or {}).get("conditions") or []}
    stamp = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    conditions = [
        _condition("Ready", outcome.phase == ACTIVE, outcome.reason, outcome.message, generation, prev, stamp),
        _condition("DependenciesReady", outcome.reason != "WaitingForDependency",
                   "WaitingForDependency" if outcome.reason == "WaitingForDependency" else "Resolved",
                   outcome.message if outcome.reason == "WaitingForDependency" else "every referenced Resource exists",
                   generation, prev, stamp),
    ]
    if outcome.unsupported:
        conditions.append(_condition("Unsupported", True, "NotCompiled", "; ".join(outcome.unsupported), generation,
                                     prev, stamp))
    return {"phase": outcome.phase, "runtime": outcome.runtime, "observedGeneration": generation,
            "conditions": conditions, "objects": outcome.objects}


def same_status(a: dict[str, Any] | None, b: dict[str, Any]) -> bool:
    keys = ("phase", "runtime", "observedGeneration", "conditions", "objects")
    return all((a or {}).get(k) == b.get(k) for k in keys)
