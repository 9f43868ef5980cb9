"""Worker (WS, v1beta): a continuous runnable with no ingress and no ports (§7)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from user_space.model.common import HighAvailability, RunnableSpec, WorkerAutoScaling
from user_space.model.envelope import Resource


class WorkerBlock(RunnableSpec):
    """`autoscaling` is the Worker page's spelling; `autoScaling` (the samples') is accepted as a variant."""

    SPELLING_VARIANTS: ClassVar[dict[str, str]] = {"autoScaling": "autoscaling"}

    replicas: int = Field(1, ge=0)
    autoscaling: WorkerAutoScaling | None = None
    high_availability_config: HighAvailability | None = None


class Worker(Resource):
    TYPE: ClassVar[str] = "worker"
    KIND: ClassVar[str] = "Worker"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1beta",)
    type: Literal["worker"]
    worker: WorkerBlock
