"""Database (WS, v1): a managed Postgres database with golang-migrate style migrations (§9)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from user_space.model.base import Model
from user_space.model.common import with_default_compute
from user_space.model.envelope import Resource
from user_space.model.fields import ScalarText


class Migrate(Model):
    """`includes` are local folders the CLI inlines; `includesInline` maps a migration name to its SQL."""

    includes: list[str] = Field(default_factory=list)
    includes_inline: dict[str, str] = Field(default_factory=dict)
    command: Literal["up", "down"]
    parameter: ScalarText | None = None

    @model_validator(mode="after")
    def _has_migrations(self) -> Migrate:
        if not self.includes and not self.includes_inline:
            raise ValueError("migrate needs `includes` (folders of SQL files) or `includesInline`")
        return self


class DatabaseBlock(Model):
    migrate: Migrate
    manage_as_user: str | None = None
    compute: str = Field(min_length=1)


class Database(Resource):
    TYPE: ClassVar[str] = "database"
    KIND: ClassVar[str] = "Database"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1",)
    MIGRATES: ClassVar[dict[str, str]] = {"v1beta1": "v1"}
    type: Literal["database"]
    database: DatabaseBlock

    @classmethod
    def migrate_block(cls, data: dict) -> dict:
        return {**data, "database": with_default_compute(data.get("database"))}
