"""CustomResourceDefinitions generated from the Resource models: one group, one kind per type.

The `spec` of every custom resource is the DataOS manifest itself (name, version, type, tags, ... and the
type block), so its schema is the model's JSON Schema turned into a Kubernetes *structural* schema: refs
inlined, nullable unions collapsed, open blocks marked `x-kubernetes-preserve-unknown-fields`.
Workspace-level types are namespaced (a Workspace is a namespace); instance-level ones are cluster-scoped.
Regenerate the checked-in copies with `kernelctl crds --out user_space/crds`.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

from user_space.model.registry import MODELS

GROUP = "kernel.cloudkernel.io"
VERSION = "v1alpha1"
CATEGORY = "kernel"

_KEEP = {"type", "description", "enum", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems",
         "format", "required"}


def plural(kind: str) -> str:
    lower = kind.lower()
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + ("es" if lower.endswith("s") else "s")


def structural(schema: dict[str, Any], defs: dict[str, Any], seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """Convert one JSON Schema node into a structural schema node."""
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name in seen:  # recursive type (a nested Workflow): stop and keep the subtree as-is
            return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        merged = dict(defs[name])
        if "description" in schema:
            merged["description"] = schema["description"]
        return structural(merged, defs, seen + (name,))
    if "anyOf" in schema or "oneOf" in schema:
        options = [o for o in schema.get("anyOf", schema.get("oneOf", [])) if o.get("type") != "null"]
        nullable = len(options) < len(schema.get("anyOf", schema.get("oneOf", [])))
        if len(options) == 1:
            node = structural({**options[0], **{k: v for k, v in schema.items() if k == "description"}}, defs, seen)
        else:
            kinds = {structural(o, defs, seen).get("type") for o in options}
            node = {"x-kubernetes-int-or-string": True} if kinds <= {"integer", "string"} else \
                {"x-kubernetes-preserve-unknown-fields": True}
            if "description" in schema:
                node["description"] = schema["description"]
        if nullable:
            node["nullable"] = True
        return node
    node: dict[str, Any] = {k: v for k, v in schema.items() if k in _KEEP}
    if "const" in schema:
        node["enum"] = [schema["const"]]
        node.setdefault("type", _json_type(schema["const"]))
    if "exclusiveMinimum" in schema:
        node["minimum"], node["exclusiveMinimum"] = schema["exclusiveMinimum"], True
    if "exclusiveMaximum" in schema:
        node["maximum"], node["exclusiveMaximum"] = schema["exclusiveMaximum"], True
    kind = schema.get("type")
    if kind == "object" or "properties" in schema or "additionalProperties" in schema:
        node["type"] = "object"
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        if props:
            node["properties"] = {k: structural(v, defs, seen) for k, v in props.items()}
            if extra not in (None, False):
                node["x-kubernetes-preserve-unknown-fields"] = True
        elif isinstance(extra, dict) and extra:
            node["additionalProperties"] = structural(extra, defs, seen)
        else:
            node["x-kubernetes-preserve-unknown-fields"] = True
        if "required" in node:
            node["required"] = [r for r in node["required"] if r in node.get("properties", {})] or None
            if node["required"] is None:
                del node["required"]
    elif kind == "array":
        node["items"] = structural(schema.get("items", {}), defs, seen)
    elif kind is None and "enum" not in node:
        node["x-kubernetes-preserve-unknown-fields"] = True
    if "enum" in node and "type" not in node:
        node["type"] = _json_type(node["enum"][0])
    return node


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


_STATUS = {
    "type": "object",
    "description": "Written by the runtime: DataOS-style status (phase: pending, active, error, deleted) and "
                   "runtime, Kubernetes conditions and the objects it owns.",
    "properties": {
        "phase": {"type": "string", "enum": ["pending", "active", "error", "deleted"]},
        "runtime": {"type": "string"},
        "observedGeneration": {"type": "integer", "format": "int64"},
        "objects": {
            "type": "array",
            "description": "The Kubernetes objects this Resource owns (applied by the runtime).",
            "items": {
                "type": "object",
                "required": ["apiVersion", "kind", "name"],
                "properties": {k: {"type": "string"} for k in ("apiVersion", "kind", "name", "namespace")},
            },
        },
        "conditions": {
            "type": "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["type"],
            "items": {
                "type": "object",
                "required": ["type", "status"],
                "properties": {
                    "type": {"type": "string"},
                    "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
                    "reason": {"type": "string"},
                    "message": {"type": "string"},
                    "observedGeneration": {"type": "integer", "format": "int64"},
                    "lastTransitionTime": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
}


def _summary(cls: type) -> str:
    doc = sys.modules[cls.__module__].__doc__ or cls.__name__
    return doc.strip().splitlines()[0]


def crd(type_name: str) -> dict[str, Any]:
    """The CustomResourceDefinition of one Resource type."""
    cls = MODELS[type_name]
    raw = cls.model_json_schema(by_alias=True, mode="validation")
    spec_schema = structural(raw, raw.get("$defs", {}))
    spec_schema["description"] = f"The {type_name} manifest (DataOS format, version {' | '.join(cls.VERSIONS)})."
    namespaced = cls.SCOPE == "workspace"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural(cls.KIND)}.{GROUP}", "labels": {"app.kubernetes.io/part-of": "cloud-kernel"}},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced" if namespaced else "Cluster",
            "names": {"kind": cls.KIND, "listKind": f"{cls.KIND}List", "plural": plural(cls.KIND),
                      "singular": cls.KIND.lower(), "categories": [CATEGORY]},
            "versions": [{
                "name": VERSION,
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {"name": "Version", "type": "string", "jsonPath": ".spec.version"},
                    {"name": "Status", "type": "string", "jsonPath": ".status.phase"},
                    {"name": "Runtime", "type": "string", "jsonPath": ".status.runtime"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                ],
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "description": _summary(cls),
                    "required": ["spec"],
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "metadata": {"type": "object"},
                        "spec": spec_schema,
                        "status": _STATUS,
                    },
                }},
            }],
        },
    }


def all_crds() -> dict[str, dict[str, Any]]:
    """File name -> CRD object, one per type, in type order."""
    return {f"{crd_obj['metadata']['name']}.yaml": crd_obj for crd_obj in (crd(t) for t in sorted(MODELS))}


def dump(obj: dict[str, Any]) -> str:
    return yaml.safe_dump(obj, sort_keys=True, default_flow_style=False, width=120)


def crds_yaml() -> str:
    """Every CRD as one multi-document YAML text."""
    return "".join("---\n" + dump(obj) for obj in all_crds().values())
