"""Monitor (WS, v1alpha): a scheduled condition that raises incidents (§13). Stream monitors are Workers."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from user_space.model.base import Model, OpenModel
from user_space.model.common import SecretRef
from user_space.model.envelope import Resource
from user_space.model.fields import Cron

Operator = Literal["equals", "not_equals", "greater_than", "greater_than_equals", "less_than", "less_than_equals"]


class ComparisonColumn(Model):
    name: str
    data_type: str | None = None


class Query(Model):
    """`lens` holds the parameters of a `type: lens` query (only shown by example, so an open mapping)."""

    type: Literal["prom", "trino", "postgres", "lens", "static"]
    cluster: str | None = None
    ql: str | None = None
    dsn: str | None = None
    dsn_secret_ref: SecretRef | None = None
    comparison_column: ComparisonColumn | None = None
    description: str | None = None
    lens: dict[str, Any] | None = None


class Expression(Model):
    query_coefficient: float
    query_constant: float
    query: Query | None = None


class Equation(Model):
    left_expression: Expression
    right_expression: Expression
    operator: Operator

    @model_validator(mode="after")
    def _left_queries(self) -> Equation:
        if self.left_expression.query is None:
            raise ValueError("leftExpression needs a `query`")
        return self


class DataOsInstance(Model):
    path: str = Field(min_length=1)


class ReportSource(Model):
    SPELLING_VARIANTS: ClassVar[dict[str, str]] = {"dataOSInstance": "dataOsInstance", "dataosInstance": "dataOsInstance"}

    data_os_instance: DataOsInstance


#: What a report condition observes: an open list ("e.g. runtime, status"; `workflow-runs` and `state` appear on
#: the observability pages).
ObservationType = Annotated[str, Field(min_length=1)]


class ValueComparison(Model):
    observation_type: ObservationType
    value_jq_filter: str
    operator: Operator
    value: Any


class DurationComparison(Model):
    observation_type: ObservationType
    selector_jq_filter: str
    started_jq_filter: str
    completed_jq_filter: str
    operator: Operator
    value: str


class ReportCondition(Model):
    value_comparison: ValueComparison | None = None
    duration_comparison: DurationComparison | None = None

    @model_validator(mode="after")
    def _one(self) -> ReportCondition:
        if (self.value_comparison is None) == (self.duration_comparison is None):
            raise ValueError("a condition is either a valueComparison or a durationComparison")
        return self


class Report(Model):
    source: ReportSource
    conditions: list[ReportCondition] = Field(min_length=1)


class Incident(OpenModel):
    """Free-form (its keys are copied into the incident); `incident_type` is a documented spelling."""

    SPELLING_VARIANTS: ClassVar[dict[str, str]] = {"incident_type": "incidentType"}

    name: str | None = None
    severity: str | None = None
    incident_type: str | None = None


class MonitorBlock(Model):
    schedule: Cron | None = None
    timezone: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    run_as_user: str | None = None
    incident: Incident
    type: Literal["equation_monitor", "report_monitor", "stream_monitor"]
    equation: Equation | None = None
    report: Report | None = None

    @model_validator(mode="after")
    def _kind_block(self) -> MonitorBlock:
        if self.type == "stream_monitor":
            raise ValueError("stream monitors are Workers on the `stream-monitor` stack, not monitor manifests")
        needed = "equation" if self.type == "equation_monitor" else "report"
        if getattr(self, needed) is None:
            raise ValueError(f"a {self.type} needs its `{needed}:` block")
        other = "report" if needed == "equation" else "equation"
        if getattr(self, other) is not None:
            raise ValueError(f"a {self.type} can't carry `{other}:`")
        if self.schedule is None:
            raise ValueError(f"a {self.type} needs a cron `schedule`")
        return self


class Monitor(Resource):
    TYPE: ClassVar[str] = "monitor"
    KIND: ClassVar[str] = "Monitor"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1alpha",)
    type: Literal["monitor"]
    run_as_user: str | None = None  # the Monitor attributes page puts it beside `monitor:` as well as inside
    monitor: MonitorBlock
