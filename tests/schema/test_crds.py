"""Generated CRDs: valid apiextensions.k8s.io/v1 objects (kubernetes-validate, strict, 1.33), structural
schemas, one kind per type with the right scope, and the checked-in copies are fresh."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from user_space.crds import CATEGORY, GROUP, all_crds, dump
from user_space.model import MODELS

CHECKED_IN = Path(__file__).resolve().parents[2] / "user_space" / "crds"
CRDS = all_crds()


@pytest.mark.parametrize("name", sorted(CRDS))
def test_crd_is_valid_for_kubernetes_1_33(name):
    kubernetes_validate.validate(CRDS[name], "1.33", strict=True)


def structural_problems(node: dict, path: str = "") -> list[str]:
    """The structural-schema rules of apiextensions v1 that a generator can break."""
    problems = []
    preserve = node.get("x-kubernetes-preserve-unknown-fields") or node.get("x-kubernetes-int-or-string")
    if "type" not in node and not preserve:
        problems.append(f"{path or '/'}: no type")
    for banned in ("$ref", "anyOf", "oneOf", "allOf", "not", "$defs", "definitions", "const", "title"):
        if banned in node:
            problems.append(f"{path}: uses {banned}")
    if "properties" in node and "additionalProperties" in node:
        problems.append(f"{path}: properties together with additionalProperties")
    if node.get("additionalProperties") is False:
        problems.append(f"{path}: additionalProperties false")
    if node.get("type") == "array" and "items" not in node:
        problems.append(f"{path}: array without items")
    for key, child in node.get("properties", {}).items():
        problems += structural_problems(child, f"{path}.{key}")
    if isinstance(node.get("additionalProperties"), dict):
        problems += structural_problems(node["additionalProperties"], f"{path}.*")
    if isinstance(node.get("items"), dict):
        problems += structural_problems(node["items"], f"{path}[]")
    for key in node.get("required", []):
        if key not in node.get("properties", {}):
            problems.append(f"{path}: required {key} is not a property")
    return problems


@pytest.mark.parametrize("name", sorted(CRDS))
def test_schema_is_structural(name):
    schema = CRDS[name]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    assert structural_problems(schema) == []


def test_checker_catches_violations():
    assert structural_problems({"type": "object", "properties": {"a": {"anyOf": []}}})
    assert structural_problems({"type": "object", "properties": {"a": {"type": "string"}},
                                "additionalProperties": {"type": "string"}})


def test_one_kind_per_type_with_scope_category_and_status():
    kinds = {c["spec"]["names"]["kind"]: c for c in CRDS.values()}
    assert set(kinds) == {cls.KIND for cls in MODELS.values()}
    assert {"Workflow", "InstanceSecret", "Workspace", "Resource"} <= set(kinds)
    for cls in MODELS.values():
        spec = kinds[cls.KIND]["spec"]
        assert spec["group"] == GROUP and CATEGORY in spec["names"]["categories"]
        assert spec["scope"] == ("Namespaced" if cls.SCOPE == "workspace" else "Cluster")
        version = spec["versions"][0]
        assert version["subresources"] == {"status": {}}
        assert "conditions" in version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
        assert [c["name"] for c in version["additionalPrinterColumns"]][:2] == ["Version", "Status"]
    assert kinds["Policy"]["spec"]["names"]["plural"] == "policies"


def test_open_blocks_preserve_unknown_fields():
    spec = CRDS["workflows.kernel.cloudkernel.io.yaml"]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    job_spec = spec["properties"]["spec"]["properties"]["workflow"]["properties"]["dag"]["items"]["properties"]["spec"]
    assert job_spec["x-kubernetes-preserve-unknown-fields"] is True
    assert job_spec["properties"]["stackSpec"]["x-kubernetes-preserve-unknown-fields"] is True


def test_checked_in_copies_are_fresh():
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in CHECKED_IN.glob("*.yaml")}
    expected = {name: dump(obj) for name, obj in CRDS.items()}
    assert on_disk == expected, "stale: run `make schemas` (kernelctl crds --out user_space/crds)"
    assert yaml.safe_load(on_disk["workflows.kernel.cloudkernel.io.yaml"])["kind"] == "CustomResourceDefinition"
