"""Secret (WS, v1; samples v1beta1) and Instance Secret (INST, v1): vault-backed credentials (§15).

The two manifests differ only in the type key and in the accepted `type` values.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from user_space.model import patterns
from user_space.model.base import Model
from user_space.model.envelope import Resource
from user_space.model.fields import ScalarText




class _SecretBlockBase(Model):
    """`files` maps a key to a local file the CLI inlines into `data`; the singular `file` is a documented
    spelling of it."""

    SPELLING_VARIANTS: ClassVar[dict[str, str]] = {"file": "files"}

    acl: Literal["r", "rw"]
    data: dict[str, ScalarText] = Field(default_factory=dict)
    files: dict[str, str] = Field(default_factory=dict)

    @field_validator("data", "files")
    @classmethod
    def _key_chars(cls, value: dict[str, str]) -> dict[str, str]:
        bad = sorted(k for k in value if not patterns.SECRET_KEY.fullmatch(str(k)))
        if bad:
            raise ValueError(f"keys may hold only letters, digits, '-', '_' and '.': {', '.join(map(repr, bad))}")
        return value

    @model_validator(mode="after")
    def _has_content(self) -> _SecretBlockBase:
        if not self.data and not self.files:
            raise ValueError("a secret needs `data` (or `files` the CLI inlines into it)")
        return self


class SecretBlock(_SecretBlockBase):
    type: Literal["cloud-kernel", "cloud-kernel-image-pull", "key-value", "key-value-properties",
                  "certificate", "certificates"]


class InstanceSecretBlock(_SecretBlockBase):
    type: Literal["key-value", "key-value-properties", "certificates", "certificate"]


class Secret(Resource):
    TYPE: ClassVar[str] = "secret"
    KIND: ClassVar[str] = "Secret"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1", "v1beta1")
    type: Literal["secret"]
    secret: SecretBlock


class InstanceSecret(Resource):
    TYPE: ClassVar[str] = "instance-secret"
    KIND: ClassVar[str] = "InstanceSecret"
    VERSIONS: ClassVar[tuple[str, ...]] = ("v1",)
    SCOPE: ClassVar[str] = "instance"
    type: Literal["instance-secret"]
    instance_secret: InstanceSecretBlock = Field(alias="instance-secret")
