"""Service (WS, v1): a long-running runnable with ports and optional ingress (§6)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from user_space.model.base import Model
from user_space.model.common import AutoScaling, HighAvailability, RunnableSpec, with_default_compute
from user_space.model.envelope import Resource



class ServicePortSpec(Model):
    name: str = Field(min_length=1)
    service_port: int = Field(ge=1, le=65535)


class Ingress(Model):
    """Public HTTP exposure. `noAuthentication` defaults to false (auth enforced): the docs conflict, and
    secure-by-default wins."""

    enabled: bool = False
    path: str | None = None
    strip_path: bool = False
    no_authentication: bool = False
    app_detail_spec: str | None = None
    api_detail_spec: str | None = None

    @model_validator(mode="after")
    def _path_when_enabled(self) -> Ingress:
        if self.enabled and not self.path:
            raise ValueError("an enabled ingress needs a `path`")
        if self.path is not None and not self.path.startswith("/"):
            raise ValueError(f"ingress path {self.path!r} must start with '/'")
        return self


class ServiceBlock(RunnableSpec):
    SPELLING_VARIANTS: ClassVar[dict[str, str]] = {"autoscaling": "autoScaling"}

    service_port: int | None = Field(None, ge=1, le=65535)
    service_ports: list[ServicePortSpec] = Field(default_factory=list)
    ingress: Ingress | None = None
    replicas: int = Field(1, ge=0)
    auto_scaling: AutoScaling | None = None
    high_availability_config: HighAvailability | None = None

    @model_validator(mode="after")
    def _unique_port_names(self) -> ServiceBlock:
        # An enabled ingress does not need `servicePort` here: §6 marks it O, and the Stack may declare the
        # port itself (§22.1 `ports`, e.g. beacon+rest); the compiler resolves the port from either.
        names = [p.name for p in self.service_ports]
        if len(names) != len(set(names)):
            raise ValueError("servicePorts names must be unique")
        return self


class Service(Resource):
    TYPE: ClassVar[str] = "service"
    KIND: ClassVar[str] = "Service"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1",)
    MIGRATES: ClassVar[dict[str, str]] = {"v1beta1": "v1"}
    type: Literal["service"]
    service: ServiceBlock

    @classmethod
    def migrate_block(cls, data: dict) -> dict:
        return {**data, "service": with_default_compute(data.get("service"))}
