"""Annotated scalar types shared by the models: names, quantities, UDLs, stack references, crons."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from user_space.model import patterns
from user_space.model.cron import check_cron
from user_space.model.stackref import parse_stack_ref
from user_space.model.udl import parse_udl


def _scalar_to_str(value: Any) -> Any:
    """YAML turns `cpu: 1` and `version: 3.0` into numbers; these fields are strings in the format."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _quantity(value: str) -> str:
    if not patterns.QUANTITY.fullmatch(value):
        raise ValueError(f"{value!r} is not a Kubernetes quantity (e.g. 500m, 2, 1Gi, 512Mi)")
    return value


def _udl(value: str) -> str:
    parse_udl(value)
    return value


def _stack_ref(value: str) -> str:
    parse_stack_ref(value)
    return value


def _resource_name(value: str) -> str:
    return patterns.check_name(value, patterns.RESOURCE_NAME, patterns.RESOURCE_NAME_MAX, "name")


def _strict_name(value: str) -> str:
    return patterns.check_name(value, patterns.STRICT_NAME, patterns.RESOURCE_NAME_MAX, "name")


def _workspace_name(value: str) -> str:
    return patterns.check_name(value, patterns.WORKSPACE_NAME, patterns.WORKSPACE_NAME_MAX, "workspace")


def _single_to_list(value: Any) -> Any:
    """Samples write a single dependency as a bare string; the format means a one-element list."""
    return [value] if isinstance(value, str) else value


Quantity = Annotated[str, BeforeValidator(_scalar_to_str), AfterValidator(_quantity)]
ScalarStr = Annotated[str, BeforeValidator(_scalar_to_str)]
UdlStr = Annotated[str, AfterValidator(_udl)]
StackRefStr = Annotated[str, AfterValidator(_stack_ref)]
Cron = Annotated[str, AfterValidator(check_cron)]
ResourceName = Annotated[str, AfterValidator(_resource_name)]
StrictName = Annotated[str, AfterValidator(_strict_name)]
WorkspaceName = Annotated[str, AfterValidator(_workspace_name)]
NameList = Annotated[list[str], BeforeValidator(_single_to_list)]
Percent = Annotated[int, Field(ge=0, le=100)]
#: Free-form string-to-scalar maps (envs, params, labels): numbers and booleans are written unquoted in YAML.
ScalarText = Annotated[str, BeforeValidator(lambda v: str(v).lower() if isinstance(v, bool) else _scalar_to_str(v))]
StrMap = dict[str, ScalarText]
