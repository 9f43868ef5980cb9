"""Workflow (WS, v1; v1beta in the reference skeleton): a DAG of jobs, single-run or cron-scheduled (§5)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from user_space.model.base import Model
from user_space.model.common import RunnableSpec, with_default_compute
from user_space.model.envelope import Resource
from user_space.model.fields import Cron, NameList, ResourceName


class Schedule(Model):
    cron: Cron
    concurrency_policy: Literal["Allow", "Forbid", "Replace"] = "Allow"
    end_on: datetime | None = None
    timezone: str | None = None


class Retry(Model):
    """Argo's retryStrategy: `strategy` maps to its retryPolicy."""

    count: int | None = Field(None, ge=1)
    strategy: Literal["Always", "OnFailure", "OnError", "OnTransientError"] = "OnFailure"
    duration: str | None = None
    max_duration: str | None = None


class DagJob(Model):
    """One DAG node: a job `spec`, or a `file` the loader inlines (a job spec, or a whole nested Workflow,
    which the loader puts in `workflow`). `file` stays as provenance after inlining."""

    name: ResourceName
    title: str | None = None
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    gc_when_complete: bool | None = None
    spec: RunnableSpec | None = None
    file: str | None = None
    workflow: WorkflowBlock | None = None
    retry: Retry | None = None
    dependencies: NameList = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_body(self) -> DagJob:
        if self.spec is None and self.file is None and self.workflow is None:
            raise ValueError(f"job {self.name!r} needs a `spec` (or a `file` to inline)")
        if self.spec is not None and self.workflow is not None:
            raise ValueError(f"job {self.name!r} is either a job `spec` or a nested `workflow`, not both")
        return self


class WorkflowBlock(Model):
    title: str | None = None
    schedule: Schedule | None = None
    dag: list[DagJob] = Field(min_length=1)

    @model_validator(mode="after")
    def _dag_is_acyclic(self) -> WorkflowBlock:
        names = [job.name for job in self.dag]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"dag job names must be unique; repeated: {', '.join(dupes)}")
        known = set(names)
        for job in self.dag:
            missing = [d for d in job.dependencies if d not in known]
            if missing:
                raise ValueError(f"job {job.name!r} depends on unknown job(s): {', '.join(missing)}")
            if job.name in job.dependencies:
                raise ValueError(f"job {job.name!r} depends on itself")
        cycle = find_cycle({job.name: list(job.dependencies) for job in self.dag})
        if cycle:
            raise ValueError(f"dag has a dependency cycle: {' -> '.join(cycle)}")
        return self


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """Return one cycle (first node repeated at the end) of `graph` (node -> dependencies), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in graph.get(node, []):
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep not in state and dep in graph:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


DagJob.model_rebuild()


def _migrate_dag(block: object) -> object:
    """Every DAG job spec (nested workflows too) with the default compute when it has none."""
    if not isinstance(block, dict) or not isinstance(block.get("dag"), list):
        return block
    jobs = []
    for job in block["dag"]:
        if isinstance(job, dict):
            job = {**job, **({"spec": with_default_compute(job["spec"])} if "spec" in job else {}),
                   **({"workflow": _migrate_dag(job["workflow"])} if "workflow" in job else {})}
        jobs.append(job)
    return {**block, "dag": jobs}


class Workflow(Resource):
    TYPE: ClassVar[str] = "workflow"
    KIND: ClassVar[str] = "Workflow"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1", "v1beta")
    MIGRATES: ClassVar[dict[str, str]] = {"v1beta1": "v1"}
    type: Literal["workflow"]
    workflow: WorkflowBlock

    @classmethod
    def migrate_block(cls, data: dict) -> dict:
        return {**data, "workflow": _migrate_dag(data.get("workflow"))}

    def job_order(self) -> list[str]:
        """Job names in a dependency-respecting order (stable: ties keep DAG order)."""
        done: list[str] = []
        pending = list(self.workflow.dag)
        while pending:
            for job in pending:
                if all(d in done for d in job.dependencies):
                    done.append(job.name)
                    pending.remove(job)
                    break
        return done


