"""Stack (INST, v1alpha): a reusable execution template for Workflow jobs, Services and Workers (§22).

Templates (`configFileTemplate`, `containerResourceTemplate`, `resourceTemplate`) are Go-template text,
kept verbatim; `stackSpecValueSchema.jsonSchema` must be a JSON object.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from user_space.model.base import Model
from user_space.model.envelope import Resource
from user_space.model.fields import ScalarText, StrMap
from user_space.model.resources.jsonschema_text import JsonSchemaText


class ImageAuth(Model):
    image_pull_secret: str


class Image(Model):
    registry: str
    repository: str
    image: str
    tag: ScalarText
    #: Cloud Kernel extension: the image's index digest (`sha256:<64 hex>`); the pod then runs `tag@digest`.
    digest: str | None = Field(default=None, pattern=r"^sha256:[0-9a-f]{64}$")
    auth: ImageAuth | None = None


class StackPort(Model):
    name: str
    service_port: int = Field(ge=1, le=65535)
    target_port: int = Field(ge=1, le=65535)


class SecretProjection(Model):
    type: Literal["propFile", "envVars"]


class ValueSchema(Model):
    json_schema: JsonSchemaText


class ResourceTemplateConfig(Model):
    resource_template: str
    success_condition: str | None = None
    failure_condition: str | None = None


class OrchestratorConfig(Model):
    """`conatinerResourceTemplate` is the docs' own misspelling, accepted as a variant."""

    SPELLING_VARIANTS: ClassVar[dict[str, str]] = {"conatinerResourceTemplate": "containerResourceTemplate"}

    config_file_template: str | None = None
    container_resource_template: str | None = None
    resource_template_config: ResourceTemplateConfig | None = None
    resource_template: str | None = None


class StackBlock(Model):
    name: str = Field(min_length=1)
    flavor: str | None = None
    version: ScalarText
    reconciler: Literal["stackManager", "legacyStackManager", "StackManager", "alphaLegacyStackManager"]
    data_os_address_jq_filters: list[str] = Field(default_factory=list)
    secret_projection: SecretProjection
    image: Image | None = None
    command: list[str] = Field(default_factory=list)
    arguments: list[str] = Field(default_factory=list)
    environment_vars: StrMap = Field(default_factory=dict)
    ports: StackPort | None = None
    stack_spec_value_schema: ValueSchema
    workflow_job_config: OrchestratorConfig | None = None
    service_config: OrchestratorConfig | None = None
    worker_config: OrchestratorConfig | None = None

    @model_validator(mode="after")
    def _supports_something(self) -> StackBlock:
        if not (self.workflow_job_config or self.service_config or self.worker_config):
            raise ValueError("a stack needs at least one of workflowJobConfig, serviceConfig, workerConfig")
        return self

    @property
    def reference(self) -> str:
        """How runnables name this stack: `name[+flavor]:version`."""
        flavor = f"+{self.flavor}" if self.flavor else ""
        return f"{self.name}{flavor}:{self.version}"


class Stack(Resource):
    TYPE: ClassVar[str] = "stack"
    KIND: ClassVar[str] = "Stack"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1alpha",)
    SCOPE: ClassVar[str] = "instance"
    type: Literal["stack"]
    stack: StackBlock
