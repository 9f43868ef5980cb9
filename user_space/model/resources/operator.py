"""Operator (INST, v1alpha): components, a NATS cluster and the external kinds it manages (§21)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from user_space.model.base import Model
from user_space.model.common import SecretRef
from user_space.model.envelope import Resource
from user_space.model.fields import StrMap
from user_space.model.resources.jsonschema_text import JsonSchemaText


class ComponentPort(Model):
    name: str
    service_port: int = Field(ge=1, le=65535)
    target_port: int = Field(ge=1, le=65535)


class Component(Model):
    name: str = Field(min_length=1)
    type: Literal["worker", "service"]
    compute: str = Field(min_length=1)
    run_as_api_key: str = Field(min_length=1)
    run_as_user: str | None = None
    image: str = Field(min_length=1)
    image_pull_secret: str | None = None
    command: list[str] = Field(default_factory=list)
    arguments: list[str] = Field(default_factory=list)
    replicas: int = Field(ge=0)
    environment_vars: StrMap = Field(default_factory=dict)
    secrets: list[SecretRef] = Field(default_factory=list)
    ports: list[ComponentPort] = Field(default_factory=list)


class SpecSchema(Model):
    json_schema: JsonSchemaText


class NatsCommand(Model):
    stream: str
    subject: str


class NatsQuery(Model):
    subject: str
    reply_subject: str


class NatsApi(Model):
    command: NatsCommand
    query: NatsQuery


class ExternalKind(Model):
    name: str = Field(min_length=1)
    name_jq_filter: str | None = None
    is_runnable: bool
    spec_schema: SpecSchema
    nats_api: NatsApi | None = None


class NatsClusterConfig(Model):
    name: str = Field(min_length=1)
    compute: str = Field(min_length=1)
    run_as_user: str | None = None
    run_as_api_key: str | None = None


class OperatorBlock(Model):
    components: list[Component] = Field(min_length=1)
    resources: list[ExternalKind] = Field(min_length=1)
    enabled_workspaces: list[str] = Field(min_length=1)
    nats_cluster_config: NatsClusterConfig

    @model_validator(mode="after")
    def _unique_names(self) -> OperatorBlock:
        for what, names in (("components", [c.name for c in self.components]),
                            ("resources", [r.name for r in self.resources])):
            if len(names) != len(set(names)):
                raise ValueError(f"{what} names must be unique")
        return self


class Operator(Resource):
    TYPE: ClassVar[str] = "operator"
    KIND: ClassVar[str] = "Operator"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1alpha",)
    SCOPE: ClassVar[str] = "instance"
    type: Literal["operator"]
    operator: OperatorBlock
