"""The pydantic base classes every Resource model derives from.

Why a shared base: the manifest format is camelCase YAML, unknown keys are errors, and models are values
(frozen) so the compiler and the operator can hash, compare and share them safely.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.alias_generators import to_camel


def _schema_variants(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """Show documented spelling variants in the JSON Schema too, so editors accept `allkeys` like `allKeys`."""
    props = schema.get("properties", {})
    for variant, canonical in getattr(cls, "SPELLING_VARIANTS", {}).items():
        if canonical in props and variant not in props:
            props[variant] = dict(props[canonical], description=f"Spelling variant of `{canonical}`.")


class Model(BaseModel):
    """A closed block: every key must be a declared field (camelCase, as written in YAML).

    A key written with no value (YAML null) counts as not given, so optional fields take their default
    and required ones are reported missing.

    `SPELLING_VARIANTS` maps a documented alternative spelling to the canonical key (the docs spell, e.g.,
    both `allKeys` and `allkeys`); the variant is renamed before validation, and giving both is an error.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
        use_enum_values=True,
        hide_input_in_errors=False,
        json_schema_extra=_schema_variants,
    )

    SPELLING_VARIANTS: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _canonical_spelling(cls, data: Any) -> Any:
        """Rename documented spelling variants; drop keys written empty (`tags:` is YAML null = not given)."""
        if not isinstance(data, dict):
            return data
        data = {k: v for k, v in data.items() if v is not None}
        for variant, canonical in cls.SPELLING_VARIANTS.items():
            if variant in data:
                if canonical in data:
                    raise ValueError(f"give either `{canonical}` or its variant `{variant}`, not both")
                data[canonical] = data.pop(variant)
        return data


class OpenModel(Model):
    """A block whose documented format is open: declared fields are validated, other keys are kept as-is."""

    model_config = ConfigDict(extra="allow")
