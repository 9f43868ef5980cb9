"""Lakehouse (WS, v1alpha): Iceberg storage + REST metastore + Themis engine; creates a Depot (§10)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from user_space.model.base import Model
from user_space.model.common import AutoScaling, ResourceRequirements, SecretRef
from user_space.model.envelope import Resource
from user_space.model.fields import StrictName, StrMap
from user_space.model.resources.cluster import ThemisSpark


class ObjectStore(Model):
    """The block named after `storage.type`; which of bucket/account/container is required depends on it."""

    bucket: str | None = None
    account: str | None = None
    container: str | None = None
    endpoint_suffix: str | None = None
    relative_path: str | None = None
    format: str = "ICEBERG"
    iceberg_catalog_type: Literal["hadoop", "hive"] = "hadoop"
    metastore_type: str | None = None
    metastore_url: str | None = None
    region: str | None = None
    endpoint: str | None = None
    scheme: str | None = None


class Storage(Model):
    depot_name: StrictName | None = None
    type: Literal["abfss", "gcs", "s3", "wasbs"]
    s3: ObjectStore | None = None
    gcs: ObjectStore | None = None
    abfss: ObjectStore | None = None
    wasbs: ObjectStore | None = None
    secrets: list[SecretRef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _store_block(self) -> Storage:
        store = getattr(self, self.type)
        if store is None:
            raise ValueError(f"storage type {self.type} needs its `{self.type}:` block")
        others = [t for t in ("s3", "gcs", "abfss", "wasbs") if t != self.type and getattr(self, t) is not None]
        if others:
            raise ValueError(f"storage type {self.type} can't carry `{others[0]}:`")
        needed = ("bucket",) if self.type in ("s3", "gcs") else ("account", "container")
        missing = [f for f in needed if getattr(store, f) is None]
        if missing:
            raise ValueError(f"{self.type} storage needs {', '.join(missing)}")
        return self


class Metastore(Model):
    type: Literal["iceberg-rest-catalog"]
    replicas: int | None = Field(None, ge=1)
    auto_scaling: AutoScaling | None = None
    resources: ResourceRequirements | None = None


class ThemisEngine(Model):
    envs: StrMap = Field(default_factory=dict)
    themis_conf: StrMap = Field(default_factory=dict)
    spark: ThemisSpark | None = None


class QueryEngine(Model):
    type: Literal["themis"]
    resources: ResourceRequirements | None = None
    themis: ThemisEngine | None = None
    storage_acl: Literal["r", "rw"] | None = None


class Iceberg(Model):
    SPELLING_VARIANTS: ClassVar[dict[str, str]] = {"metaStore": "metastore"}

    storage: Storage
    metastore: Metastore | None = None
    query_engine: QueryEngine | None = None


class LakehouseBlock(Model):
    type: Literal["iceberg"]
    compute: str = Field(min_length=1)
    run_as_api_key: str | None = None
    run_as_user: str | None = None
    iceberg: Iceberg


class Lakehouse(Resource):
    TYPE: ClassVar[str] = "lakehouse"
    KIND: ClassVar[str] = "Lakehouse"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1alpha",)
    type: Literal["lakehouse"]
    lakehouse: LakehouseBlock

    @property
    def depot_name(self) -> str:
        """The Depot this Lakehouse creates: `storage.depotName`, else `<name>0<workspace>0storage`."""
        storage = self.lakehouse.iceberg.storage
        return storage.depot_name or f"{self.name}0{self.workspace or 'public'}0storage".replace("-", "")
