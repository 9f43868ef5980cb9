"""Pager (WS, v1alpha): routes incidents whose conditions all match to email, Teams or a webhook (§14)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, model_validator

from user_space.model.base import Model
from user_space.model.envelope import Resource
from user_space.model.fields import StrMap

TemplateType = Literal["liquid", "go"]
Verb = Annotated[
    Literal["GET", "POST", "PUT", "DELETE", "PATCH"], BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v)
]


class PagerCondition(Model):
    value_jq_filter: str = Field(min_length=1)
    operator: Literal["equals"]
    value: Any


class Email(Model):
    email_targets: list[str] = Field(min_length=1)
    template_type: TemplateType = "liquid"
    template: str | None = None
    body_template: str | None = None


class MsTeams(Model):
    web_hook_url: str = Field(min_length=1)


class Authorization(Model):
    token: str
    custom_header: str | None = None


class WebHook(Model):
    url: str = Field(min_length=1)
    verb: Verb
    headers: StrMap = Field(default_factory=dict)
    authorization: Authorization | None = None
    template_type: TemplateType = "liquid"
    body_template: str | None = None


class Output(Model):
    email: Email | None = None
    ms_teams: MsTeams | None = None
    web_hook: WebHook | None = None

    @model_validator(mode="after")
    def _some_target(self) -> Output:
        if self.email is None and self.ms_teams is None and self.web_hook is None:
            raise ValueError("output needs at least one of email, msTeams, webHook")
        return self


class PagerBlock(Model):
    conditions: list[PagerCondition] = Field(min_length=1)
    output: Output


class Pager(Resource):
    TYPE: ClassVar[str] = "pager"
    KIND: ClassVar[str] = "Pager"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1alpha",)
    type: Literal["pager"]
    run_as_user: str | None = None  # as on its Monitor: the observability pages pair them (an uncertain case)
    pager: PagerBlock
