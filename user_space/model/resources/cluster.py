"""Cluster (WS, v1; name `[a-z]([a-z0-9]*)`): a Minerva (Trino) or Themis (Spark) query engine (§11)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from user_space.model import patterns
from user_space.model.base import Model
from user_space.model.common import ResourceRequirements, SecretRef
from user_space.model.envelope import Resource
from user_space.model.fields import Cron, ScalarText, StrMap, UdlStr
from user_space.model.udl import parse_udl

_Level = Annotated[Literal["INFO", "DEBUG", "ERROR", "WARN"], BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v)]


def _catalog_udl(value: str) -> str:
    if parse_udl(value).dataset is not None:
        raise ValueError(f"{value!r}: a cluster catalog is a whole depot or depot:collection, not a dataset")
    return value


CatalogUdl = Annotated[UdlStr, AfterValidator(_catalog_udl)]


class ScalingCron(Model):
    cron: Cron
    timezone: str | None = None
    replicas: int = Field(ge=1, le=4)
    resources: ResourceRequirements | None = None


class Maintenance(Model):
    restart_cron: Cron | None = None
    timezone: str | None = None
    scaling_crons: list[ScalingCron] = Field(default_factory=list)


class DepotCatalog(Model):
    address: CatalogUdl
    properties: StrMap = Field(default_factory=dict)
    secrets: list[SecretRef] = Field(default_factory=list)


class RawCatalog(Model):
    name: str = Field(min_length=1)
    type: str = Field(min_length=1)
    properties: StrMap = Field(default_factory=dict)
    secrets: list[SecretRef] = Field(default_factory=list)


class Debug(Model):
    log_level: _Level = "INFO"
    trino_log_level: _Level = "ERROR"


class Selector(Model):
    users: list[str] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)
    match: Literal["any", "all"] = "any"
    priority: int | None = Field(None, ge=1, le=5000)


class MinervaSpec(Model):
    replicas: int = Field(ge=1)
    resources: ResourceRequirements | None = None
    depots: list[DepotCatalog] = Field(default_factory=list)
    catalogs: list[RawCatalog] = Field(default_factory=list)
    debug: Debug | None = None
    coordinator_envs: StrMap = Field(default_factory=dict)
    worker_envs: StrMap = Field(default_factory=dict)
    override_default_envs: bool = True
    spill_over_volume: str | None = None
    selector: Selector | None = None


class SparkDriver(Model):
    memory: ScalarText
    cores: int = Field(ge=1)


class SparkExecutor(SparkDriver):
    instance_count: int | None = Field(None, ge=0)
    max_instance_count: int | None = Field(None, ge=1)


class ThemisSpark(Model):
    driver: SparkDriver
    executor: SparkExecutor
    spark_conf: StrMap = Field(default_factory=dict)


class ThemisSpec(Model):
    resources: ResourceRequirements | None = None
    envs: StrMap = Field(default_factory=dict)
    themis_conf: StrMap = Field(default_factory=dict)
    spark: ThemisSpark | None = None
    depots: list[DepotCatalog] = Field(default_factory=list)


class ClusterBlock(Model):
    """`nats` and `jupyterHub` exist in the schema but are undocumented: kept as open mappings.
    `runAsApiKey` is "mandatory" in the text but absent from every example, so it is optional."""

    compute: str = Field(min_length=1)
    type: Literal["minerva", "themis"]
    run_as_api_key: str | None = None
    run_as_user: str | None = None
    maintenance: Maintenance | None = None
    minerva: MinervaSpec | None = None
    themis: ThemisSpec | None = None
    nats: dict[str, Any] | None = None
    jupyter_hub: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _engine_block(self) -> ClusterBlock:
        if getattr(self, self.type) is None:
            raise ValueError(f"a {self.type} cluster needs its `{self.type}:` block")
        other = "themis" if self.type == "minerva" else "minerva"
        if getattr(self, other) is not None:
            raise ValueError(f"a {self.type} cluster can't carry a `{other}:` block")
        return self


class Cluster(Resource):
    TYPE: ClassVar[str] = "cluster"
    KIND: ClassVar[str] = "Cluster"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1",)
    NAME_PATTERN: ClassVar = patterns.STRICT_NAME
    type: Literal["cluster"]
    cluster: ClusterBlock
