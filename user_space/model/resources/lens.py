"""Lens (WS, v1alpha): a semantic model served by api, worker and router components (§12)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from user_space.model.base import Model
from user_space.model.common import AutoScaling, HighAvailability, LogLevel, ResourceRequirements, SecretRef
from user_space.model.envelope import Resource
from user_space.model.fields import StrMap


class LensSource(Model):
    type: Literal["minerva", "themis", "depot", "flash"]
    name: str = Field(min_length=1)
    catalog: str | None = None


class LensRepo(Model):
    url: str = Field(min_length=1)
    lens_base_dir: str = Field(min_length=1)
    secret_id: str | None = None
    sync_flags: list[str] = Field(default_factory=list)


class LensComponent(Model):
    """api, worker and router share this shape; `autoScaling` is documented for api, HA for worker."""

    log_level: LogLevel = "INFO"
    replicas: int = Field(1, ge=0)
    auto_scaling: AutoScaling | None = None
    high_availability_config: HighAvailability | None = None
    resources: ResourceRequirements | None = None
    envs: StrMap = Field(default_factory=dict)


class LensBlock(Model):
    """`router` is "mandatory" in one page but absent from several examples: optional, defaulted."""

    compute: str = Field(min_length=1)
    run_as_api_key: str | None = None
    run_as_user: str | None = None
    secrets: list[SecretRef] = Field(default_factory=list)
    source: LensSource
    repo: LensRepo
    api: LensComponent | None = None
    worker: LensComponent | None = None
    router: LensComponent | None = None


class Lens(Resource):
    TYPE: ClassVar[str] = "lens"
    KIND: ClassVar[str] = "Lens"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1alpha",)
    type: Literal["lens"]
    lens: LensBlock
