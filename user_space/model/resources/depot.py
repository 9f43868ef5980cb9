"""Depot (INST, v1 legacy and v2alpha; name `[a-z]([a-z0-9]*)`): a registered data source (§18).

The connection block's shape varies by source type, so it is kept open (a mapping) and only checked
where the docs give a rule: v2alpha puts it under a key named after the lower-cased type (`s3:`,
`jdbc:`, ...), v1 puts it under `spec:` and may carry inline `connectionSecret` entries.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, model_validator
from typing_extensions import Annotated

from user_space.model import patterns
from user_space.model.base import Model, OpenModel
from user_space.model.common import SecretRef
from user_space.model.envelope import Resource
from user_space.model.fields import StrMap

DEPOT_TYPES = ("ABFSS", "WASBS", "GCS", "S3", "REDSHIFT", "SNOWFLAKE", "BIGQUERY", "JDBC", "POSTGRES", "MYSQL",
               "MSSQL", "ORACLE", "ELASTICSEARCH", "OPENSEARCH", "EVENTHUB", "PULSAR", "KAFKA", "MONGODB")

#: The connection block key(s) each type accepts in v2alpha (the lower-cased type; Postgres samples use `postgresql`).
BLOCK_KEYS: dict[str, tuple[str, ...]] = {t: (t.lower(),) for t in DEPOT_TYPES} | {"POSTGRES": ("postgres", "postgresql")}

DepotType = Annotated[
    Literal[DEPOT_TYPES],  # type: ignore[valid-type]
    BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v),
]


class InlineConnectionSecret(Model):
    """v1 only, discouraged: credentials written into the depot manifest."""

    acl: Literal["r", "rw"]
    type: Literal["key-value", "key-value-properties", "certificates", "certificate"] = "key-value-properties"
    data: StrMap = Field(default_factory=dict)
    files: dict[str, str] = Field(default_factory=dict)


class DepotBlock(OpenModel):
    """Open only for the one connection block named after `type`; every other unknown key is an error."""

    SPELLING_VARIANTS: ClassVar[dict[str, str]] = {"dataOSSecrets": "dataosSecrets"}

    type: DepotType
    description: str | None = None
    external: bool
    source: str | None = None
    compute: str = "runnable-default"
    secrets: list[SecretRef] = Field(default_factory=list)
    spec: dict[str, Any] | None = None
    connection_secret: list[InlineConnectionSecret] = Field(default_factory=list)
    dataos_secrets: list[SecretRef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _connection_block(self) -> DepotBlock:
        allowed = BLOCK_KEYS[self.type]
        extras = dict(self.model_extra or {})
        unknown = sorted(k for k in extras if k not in allowed)
        if unknown:
            raise ValueError(
                f"unknown field(s) {', '.join(unknown)}: a {self.type} depot's connection block is "
                f"`{allowed[0]}:` (v2alpha) or `spec:` (v1)"
            )
        for key, value in extras.items():
            if not isinstance(value, dict):
                raise ValueError(f"connection block `{key}` must be a mapping")
            _check_port(value, key)
        if self.spec is not None:
            _check_port(self.spec, "spec")
        return self

    @property
    def connection(self) -> dict[str, Any]:
        """The connection fields, whichever form the manifest used."""
        for key in BLOCK_KEYS[self.type]:
            if key in (self.model_extra or {}):
                return self.model_extra[key]
        return self.spec or {}


def _check_port(block: dict[str, Any], where: str) -> None:
    port = block.get("port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535):
        raise ValueError(f"{where}.port must be a TCP port number (1-65535), not {port!r}")


class Depot(Resource):
    TYPE: ClassVar[str] = "depot"
    KIND: ClassVar[str] = "Depot"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1", "v2alpha")
    SCOPE: ClassVar[str] = "instance"
    NAME_PATTERN: ClassVar = patterns.STRICT_NAME
    type: Literal["depot"]
    depot: DepotBlock

    @model_validator(mode="after")
    def _form_matches_version(self) -> Depot:
        block = self.depot
        named = bool(block.model_extra)
        if self.version == "v2alpha":
            if block.spec is not None or block.connection_secret:
                raise ValueError("depot v2alpha takes the connection block under the lower-cased type key and "
                                 "credentials as `secrets`; `spec`/`connectionSecret` are the v1 form")
            if not named and block.type != "PULSAR":
                raise ValueError(f"depot v2alpha needs the connection block `{BLOCK_KEYS[block.type][0]}:`")
        elif named:
            raise ValueError("depot v1 takes the connection fields under `spec:`; a block named after the "
                             "type is the v2alpha form")
        return self
