"""The type registry: manifest `type:` value -> model class, with each type's versions, scope and kind."""

from __future__ import annotations

from user_space.model.envelope import Resource
from user_space.model.resources.compute import Compute
from user_space.model.resources.depot import Depot
from user_space.model.resources.secret import InstanceSecret, Secret
from user_space.model.resources.service import Service
from user_space.model.resources.volume import Volume
from user_space.model.resources.worker import Worker
from user_space.model.resources.workflow import Workflow

MODELS: dict[str, type[Resource]] = {
    cls.TYPE: cls
    for cls in (
        Workflow, Service, Worker, Volume, Secret, InstanceSecret, Depot, Compute,
    )
}


def model_for(type_name: str) -> type[Resource] | None:
    return MODELS.get(type_name)


def accepted_versions(type_name: str) -> tuple[str, ...]:
    """Every version the docs use for `type_name` (empty for an unknown type)."""
    cls = MODELS.get(type_name)
    return cls.VERSIONS if cls else ()


def types() -> list[str]:
    return sorted(MODELS)
