"""plan.json redacts secrets key by key: a Secret keeps its keys (and so its schema), never a value."""

from __future__ import annotations

import json

import pytest

from kernelctl.plan.recorder import REDACTED, SECRET_SIG, SIG_KEY, redact
from tests.support.k8s_validation import validate_object


def secret(value):
    return {SIG_KEY: SECRET_SIG, "value": value}


def test_a_secret_map_keeps_its_keys_and_loses_its_values():
    paths: list[str] = []
    wire = {"stringData": secret({"username": "catalog", "password": "hunter2", "nested": {"k": "v"}}), "type": "Opaque"}
    out = redact(wire, "", paths)
    assert out == {"stringData": {"username": REDACTED, "password": REDACTED, "nested": {"k": REDACTED}}, "type": "Opaque"}
    assert sorted(paths) == ["stringData.nested.k", "stringData.password", "stringData.username"]
    assert "hunter2" not in json.dumps(out)


def test_scalars_lists_and_nested_secrets():
    paths: list[str] = []
    assert redact(secret("token"), "", paths) == REDACTED and paths == ["$"]
    paths = []
    assert redact({"a": secret(["x", secret("y")])}, "", paths) == {"a": [REDACTED, REDACTED]}
    assert paths == ["a[0]", "a[1]"]


@pytest.mark.parametrize("stack", ["dev-aws", "prod-aws"])
def test_redacted_secrets_of_the_plan_still_validate(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    secrets = [o for o in plan.kubernetes if o["apiVersion"] == "v1" and o["kind"] == "Secret"]
    assert secrets
    for obj in secrets:
        for field in ("data", "stringData"):
            if field in obj:
                assert isinstance(obj[field], dict) and set(obj[field].values()) == {REDACTED}, obj["metadata"]["name"]
        assert validate_object(obj) == [], obj["metadata"]["name"]
    resources = {r["name"]: r for r in plan.resources if r["type"] == "kubernetes:core/v1:Secret"}
    assert "stringData.password" in resources["core-catalog-db-secret"]["secret_paths"]
