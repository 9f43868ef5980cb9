"""Every object compiled from examples/workspaces and from the DataOS conformance corpus validates:
kubernetes-validate strict for built-in kinds, the vendored CRD schemas for add-on kinds (including the
SparkApplications embedded in Argo resource templates)."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from core_kernel.context import PlatformContext
from tests.support.k8s_validation import validate_object
from user_space.compiler import compile_resources
from user_space.gitops import load_manifests
from user_space.plan_objects import load_and_compile

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "dataos-examples"
CTX = PlatformContext.sample()

# Conformance manifests that validate but must not compile, with the reason (checked: they do fail so).
EXPECTED_COMPILE_ERRORS = {
    "workflow-40cfa08a171e.yaml": "compute 'fs-runnable-default'",  # names a Compute that is not declared
    "workflow-6b72bce725ce.yaml": "compute 'fs-runnable-default'",
    "workflow-ae370b95518b.yaml": "compute 'fs-runnable-default'",
    "workflow-44eed2682352.yaml": "'inputs' is a required property",  # soda job without stackSpec
    "workflow-c8f8840a22e5.yaml": "'inputs' is a required property",
    "worker-840f2d45ceff.yaml": "does not run in a worker",  # soda+python is a Workflow stack
    # v1beta1, migrated; has placeholders, and its bento `output` is a list where the Stack's schema wants a map
    "service-668edfe665b6.yaml": "is not of type 'object'",
}


def embedded(obj: dict) -> list[dict]:
    """Custom resources an Argo resource template creates."""
    out = []
    spec = obj.get("spec", {})
    spec = spec.get("workflowSpec", spec)
    for template in spec.get("templates", []):
        manifest = (template.get("resource") or {}).get("manifest")
        if manifest:
            out.append(yaml.safe_load(manifest))
    return out


@functools.lru_cache(maxsize=1)
def conformance_results() -> dict[str, object]:
    results = {}
    for path in sorted(CONFORMANCE.glob("*.yaml")):
        folder = load_manifests([path], references=False)  # each page alone: its secrets live elsewhere
        if folder.problems:
            continue
        results[path.name] = compile_resources(folder.views, CTX)
    return results


def _check(objects: list[dict]) -> list[str]:
    problems = []
    for obj in objects:
        problems += validate_object(obj)
        for inner in embedded(obj):
            inner = {**inner, "metadata": {**inner["metadata"], "name": inner["metadata"].get("generateName", "x") + "x"}}
            inner["metadata"].pop("generateName", None)
            problems += validate_object(inner)
    return problems


def test_examples_objects_validate():
    loaded = load_and_compile(["examples/workspaces"], CTX)
    assert loaded.invalid == []
    assert loaded.result.errors == []
    assert len(loaded.result.objects) > 50
    assert _check(loaded.result.objects) == []


def test_examples_objects_validate_in_prod_context():
    loaded = load_and_compile(["examples/workspaces"], PlatformContext.sample("prod"))
    assert loaded.result.errors == [] and _check(loaded.result.objects) == []


def test_conformance_corpus_compiles_and_validates():
    results = conformance_results()
    assert len(results) > 150, "most conformance manifests validate"
    objects = 0
    problems: list[str] = []
    for name, result in results.items():
        errors = [str(e) for e in result.errors]
        if name in EXPECTED_COMPILE_ERRORS:
            assert errors and EXPECTED_COMPILE_ERRORS[name] in errors[0], (name, errors)
            continue
        assert errors == [], (name, errors)
        objects += len(result.objects)
        problems += [f"{name}: {p}" for p in _check(result.objects)]
    assert problems == []
    assert objects > 1000


def test_validator_catches_a_broken_object():
    loaded = load_and_compile(["examples/workspaces"], CTX)
    deployment = next(o for o in loaded.result.objects if o["kind"] == "Deployment")
    broken = {**deployment, "spec": {**deployment["spec"], "replicaz": 2}}
    assert validate_object(broken)
