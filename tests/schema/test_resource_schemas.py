"""Editor JSON Schemas: valid Draft 2020-12 schemas, they accept the valid samples, and the checked-in
copies under user_space/schemas are fresh."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.unit.model_samples import VALID, sample
from user_space.json_schemas import all_schemas, resource_schema
from user_space.model import parse_resource

CHECKED_IN = Path(__file__).resolve().parents[2] / "user_space" / "schemas"


@pytest.mark.parametrize("type_name", sorted(VALID))
def test_schema_accepts_the_canonical_manifest(type_name):
    """Editor schemas describe the canonical form (upper-case enums, strings where YAML may write numbers):
    the model's own dump of a valid sample must pass."""
    schema = resource_schema(type_name)
    jsonschema.Draft202012Validator.check_schema(schema)
    canonical = parse_resource(sample(type_name)).model_dump(by_alias=True, mode="json", exclude_none=True)
    jsonschema.Draft202012Validator(schema).validate(canonical)


def test_schema_rejects_unknown_fields_and_versions():
    validator = jsonschema.Draft202012Validator(resource_schema("volume"))
    data = sample("volume")
    data["volume"]["colour"] = "blue"
    data["version"] = "v9"
    assert len(list(validator.iter_errors(data))) == 2


def test_spelling_variants_are_listed():
    text = json.dumps(resource_schema("depot"))
    assert '"allkeys"' in text and '"allKeys"' in text


def test_checked_in_copies_are_fresh():
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in CHECKED_IN.glob("*.json")}
    assert on_disk == all_schemas(), "stale: run `make schemas` (kernelctl schemas --out user_space/schemas)"
