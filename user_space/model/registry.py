"""The type registry: manifest `type:` value -> model class, with each type's versions, scope and kind."""

from __future__ import annotations

from user_space.model.envelope import Resource
from user_space.model.resources.bundle import Bundle
from user_space.model.resources.cluster import Cluster
from user_space.model.resources.compute import Compute
from user_space.model.resources.database import Database
from user_space.model.resources.depot import Depot
from user_space.model.resources.grant import Grant
from user_space.model.resources.lakehouse import Lakehouse
from user_space.model.resources.lens import Lens
from user_space.model.resources.monitor import Monitor
from user_space.model.resources.operator import Operator
from user_space.model.resources.pager import Pager
from user_space.model.resources.policy import Policy
from user_space.model.resources.resource import OperatorResource
from user_space.model.resources.secret import InstanceSecret, Secret
from user_space.model.resources.service import Service
from user_space.model.resources.stack import Stack
from user_space.model.resources.volume import Volume
from user_space.model.resources.worker import Worker
from user_space.model.resources.workflow import Workflow
from user_space.model.resources.workspace import Workspace

MODELS: dict[str, type[Resource]] = {
    cls.TYPE: cls
    for cls in (
        # workspace-level
        Workflow, Service, Worker, Cluster, Database, Lakehouse, Lens, Monitor, Pager, Secret, Volume,
        OperatorResource,
        # instance-level
        Bundle, Compute, Depot, Grant, InstanceSecret, Operator, Policy, Stack, Workspace,
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
