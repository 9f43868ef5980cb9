"""Sub-structures shared by several Resource types (dataos-resources.md §3).

The runnable common block (Workflow job `spec`, Service, Worker), secret references, volume mounts,
autoscaling, high availability, topology and Kubernetes resource requirements live here so every type
validates them the same way.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, model_validator

from user_space.model.base import Model, OpenModel
from user_space.model.errors import suggestion
from user_space.model.fields import NameList, Percent, Quantity, StackRefStr, StrMap
from user_space.model.stackref import parse_stack_ref

#: Samples write `info`, `Info` and `INFO`; the level is matched case-insensitively and kept upper-case.
LogLevel = Annotated[
    Literal["INFO", "WARN", "DEBUG", "ERROR"], BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v)
]
ConsumptionType = Literal["envVars", "propFile", "file"]


class ResourceRequirements(Model):
    """Kubernetes requests and limits (`cpu`, `memory`, and any other resource name) as quantities."""

    requests: dict[str, Quantity] = Field(default_factory=dict)
    limits: dict[str, Quantity] = Field(default_factory=dict)


class SecretRef(Model):
    """A reference to a Secret or Instance Secret (§3.2). `allkeys` is a documented spelling of `allKeys`."""

    SPELLING_VARIANTS: ClassVar[dict[str, str]] = {"allkeys": "allKeys"}

    name: str = Field(min_length=1)
    workspace: str | None = None
    key: str | None = None
    keys: list[str] = Field(default_factory=list)
    all_keys: bool = False
    consumption_type: ConsumptionType = "envVars"


class VolumeMount(Model):
    """A Volume mounted into a runnable container (§3.3)."""

    name: str = Field(min_length=1)
    directory: str = Field(min_length=1)
    read_only: bool = False
    sub_path: str | None = None


class AutoScaling(Model):
    """An HPA-like block (§3.4). The docs disagree on the default of `enabled`; a block that is written
    means the author wants it, so it defaults to true."""

    enabled: bool = True
    min_replicas: int = Field(1, ge=0)
    max_replicas: int | None = Field(None, ge=1)
    target_memory_utilization_percentage: Percent | None = None
    target_c_p_u_utilization_percentage: Percent = Field(80, alias="targetCPUUtilizationPercentage")

    @model_validator(mode="after")
    def _bounds(self) -> AutoScaling:
        if self.max_replicas is not None and self.max_replicas < self.min_replicas:
            raise ValueError(f"maxReplicas ({self.max_replicas}) is below minReplicas ({self.min_replicas})")
        return self


class WorkerAutoScaling(AutoScaling):
    """A Worker's autoscaling: the Worker page gives its targets no range (DataOS's own Scanner workers use
    120); the 0-100 range is the Service page's."""

    target_memory_utilization_percentage: int | None = Field(None, ge=1)
    target_c_p_u_utilization_percentage: int = Field(80, ge=1, alias="targetCPUUtilizationPercentage")


class HighAvailability(Model):
    """Spread of replicas (§3.5): `level` is the topology key, `mode` soft (preferred) or hard (required)."""

    level: Literal["hostname", "zone", "region"]
    mode: Literal["preferred", "required"] = "preferred"


class TopologyNode(Model):
    """One node of a runnable's lineage/IO description (§3.6). `type` is free text (input, output, ...)."""

    name: str = Field(min_length=1)
    type: str = Field(min_length=1)
    doc: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    dependencies: NameList = Field(default_factory=list)


class PersistentVolumeRef(VolumeMount):
    """`persistentVolume`: the same four fields as a volume mount, for one Volume."""


#: The compute `dataos-ctl` gives a runnable it migrates from `v1beta1` without one.
DEFAULT_COMPUTE = "runnable-default"


def with_default_compute(block: object) -> object:
    """`block` with `compute: runnable-default` when it is a mapping without a compute (v1beta1 migration)."""
    if isinstance(block, dict) and not block.get("compute"):
        return {**block, "compute": DEFAULT_COMPUTE}
    return block


class RunnableSpec(OpenModel):
    """The runnable common block (§3.1) shared by Workflow job specs, Services and Workers.

    Open on purpose, in one documented way only: legacy manifests carry the stack payload under a key named
    after the stack (`flare:` for `stack: flare:3.0`, `alpha:` for `stack: alpha`) instead of `stackSpec`.
    Such a key must equal the stack name (or its flavor) from `stack`; with it, the legacy companion key
    `tier` of old Flare samples is tolerated. Any other unknown key is an error. `stackSpec` and `configs`
    are free-form (the Stack's own JSON Schema validates `stackSpec`); `title`, `description` and `tags`
    are the metadata the Service block and DAG jobs document, accepted here too.
    """

    LEGACY_COMPANIONS: ClassVar[frozenset[str]] = frozenset({"tier"})

    stack: StackRefStr
    compute: str = Field(min_length=1)
    title: str | None = None
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    log_level: LogLevel = "INFO"
    configs: dict[str, Any] = Field(default_factory=dict)
    envs: StrMap = Field(default_factory=dict)
    secrets: list[str | SecretRef] = Field(default_factory=list)
    dataos_secrets: list[SecretRef] = Field(default_factory=list)
    dataos_volumes: list[VolumeMount] = Field(default_factory=list)
    temp_volume: str | None = None
    persistent_volume: PersistentVolumeRef | None = None
    resources: ResourceRequirements | None = None
    dry_run: bool = False
    run_as_user: str | None = None
    run_as_api_key: str | None = None
    topology: list[TopologyNode] = Field(default_factory=list)
    stack_spec: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _legacy_stack_key(self) -> RunnableSpec:
        extras = dict(self.model_extra or {})
        if not extras:
            return self
        ref = parse_stack_ref(self.stack)
        stack_keys = {ref.name, ref.flavor} - {None}
        legacy = sorted(k for k in extras if k in stack_keys)
        unknown = sorted(k for k in extras if k not in stack_keys and not (legacy and k in self.LEGACY_COMPANIONS))
        if unknown:
            known = {field.alias or name for name, field in type(self).model_fields.items()}
            hints = "".join(suggestion(key, known) for key in unknown)
            raise ValueError(
                f"unknown field(s) {', '.join(unknown)}{hints}: not a runnable field, and only a key named after "
                f"the stack ({' or '.join(sorted(stack_keys))}) may hold a legacy stack payload"
            )
        if legacy and self.stack_spec is not None:
            raise ValueError(f"give the stack payload either as stackSpec or as legacy `{legacy[0]}:`, not both")
        for key in legacy:
            if not isinstance(extras[key], dict):
                raise ValueError(f"legacy stack payload `{key}` must be a mapping")
        return self

    @property
    def stack_payload(self) -> dict[str, Any]:
        """The stack-specific payload, whichever form (stackSpec or the legacy key) the manifest used."""
        if self.stack_spec is not None:
            return self.stack_spec
        ref = parse_stack_ref(self.stack)
        for key in (ref.name, ref.flavor):
            if key and isinstance((self.model_extra or {}).get(key), dict):
                return self.model_extra[key]
        return {}
