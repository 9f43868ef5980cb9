"""Validate rendered Kubernetes objects offline.

`validate_object(obj) -> list[str]`: an empty list means the object is valid. Stable API, reused by the
core kernel's and the user-space compiler's tests.

- Built-in kinds: the strict JSON schemas shipped with `kubernetes-validate`, for `KUBERNETES_VERSION`
  (strict = unknown fields are errors, as `kubectl --validate=strict` does).
- Add-on kinds (cert-manager, Gateway API, External Secrets, ...): the `openAPIV3Schema` of the matching
  group/version/kind in `shared/schemas/crds/` (vendored official CRDs), with unknown fields rejected
  where the schema does not preserve them (what the API server's strict field validation does), plus the
  scope check (a cluster-scoped kind carries no namespace) and a served-version check.
- An apiVersion/kind known to neither is an error: we never emit objects we cannot check.

Every message starts with `Kind/name:` and names the JSON path of the problem.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from kubernetes_validate import utils as kv
from referencing import Registry, Resource

KUBERNETES_VERSION = "1.35"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CRD_DIR = SHARED / "schemas" / "crds"

__all__ = ["validate_object", "validate_objects", "KUBERNETES_VERSION", "CRD_DIR", "crd_files", "crd_kinds"]


class _CrdLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available: the Argo CRDs are large
    """SafeLoader that reads a bare `=` (YAML 1.1 'value' tag) as the string "=" (AlertmanagerConfig)."""


_CrdLoader.add_constructor("tag:yaml.org,2002:value", yaml.constructor.SafeConstructor.construct_yaml_str)


# ----- CRDs ------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _crd_index() -> dict[tuple[str, str, str], dict[str, Any]]:
    """(group, version, kind) -> {"schema", "scope", "served"} for every vendored CRD.

    Parsing the 21 MB of vendored CRDs costs about 5 s of CPU, and every test process needs the index: it is kept
    in a per-user temporary cache keyed by the files' content and this parser's source, so a run's second worker
    (and every later run on the machine) loads it in a fraction of a second."""
    if not CRD_DIR.is_dir():
        raise FileNotFoundError(f"CRD schemas not found at {CRD_DIR}")
    paths = sorted(CRD_DIR.glob("*/*.yaml"))
    digest = hashlib.sha256(inspect.getsource(_parse_crds).encode())
    for path in paths:
        digest.update(str(path.relative_to(CRD_DIR)).encode() + b"\0" + path.read_bytes())
    cache = Path(tempfile.gettempdir()) / f"cloud-kernel-tests-{os.getuid()}" / f"crd-index-{digest.hexdigest()[:24]}.pickle"
    cache.parent.mkdir(mode=0o700, exist_ok=True)
    if cache.parent.stat().st_uid != os.getuid():  # a folder someone else made: never load their pickles
        return _parse_crds(paths)
    if cache.is_file():
        return pickle.loads(cache.read_bytes())
    index = _parse_crds(paths)
    partial = cache.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    partial.replace(cache)
    return index


def _parse_crds(paths: list[Path]) -> dict[tuple[str, str, str], dict[str, Any]]:
    index: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path in paths:
        for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=_CrdLoader):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                index[(spec["group"], version["name"], spec["names"]["kind"])] = {
                    "schema": version["schema"]["openAPIV3Schema"],
                    "scope": spec["scope"],
                    "served": version.get("served", True),
                    "file": str(path.relative_to(CRD_DIR)),
                }
    return index


def crd_files() -> dict[tuple[str, str], Path]:
    """(group, kind) -> the vendored file defining it."""
    return {(group, kind): CRD_DIR / entry["file"] for (group, _, kind), entry in _crd_index().items()}


def crd_kinds() -> set[tuple[str, str]]:
    """(apiVersion, kind) pairs covered by the vendored CRDs."""
    return {(f"{group}/{version}", kind) for group, version, kind in _crd_index()}


def _strict(schema: Any) -> Any:
    """Copy of an OpenAPI schema where objects with declared properties reject unknown fields."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: _strict(value) for key, value in schema.items()}
    if (
        "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        result["additionalProperties"] = False
    # `nullable: true` lets the API server accept null for the field.
    if schema.get("nullable") and "type" in schema:
        result["type"] = [schema["type"], "null"] if isinstance(schema["type"], str) else [*schema["type"], "null"]
    return result


@functools.lru_cache(maxsize=None)
def _crd_validator(group: str, version: str, kind: str) -> jsonschema.protocols.Validator:
    schema = copy.deepcopy(_crd_index()[(group, version, kind)]["schema"])
    props = schema.setdefault("properties", {})
    # The API server owns metadata's schema; apiVersion/kind are always allowed at the root.
    props.pop("metadata", None)
    props.setdefault("apiVersion", {"type": "string"})
    props.setdefault("kind", {"type": "string"})
    strict = _strict(schema)
    strict["properties"]["metadata"] = {"type": "object"}
    return jsonschema.Draft7Validator(strict)


# ----- built-in kinds --------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _builtin_validator(api_version: str, kind: str) -> jsonschema.protocols.Validator | None:
    version = [v for v in kv.all_versions() if kv.major_minor(v) <= KUBERNETES_VERSION][-1]
    schema_dir = f"v{version}-local-strict"
    short_api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = kv.schema_contents(f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{short_api}.json", version)
    except FileNotFoundError:
        return None
    # The file name drops the group's domain (rbac.authorization.k8s.io -> rbac): make sure the schema is
    # really the one of this apiVersion/kind.
    gvks = schema.get("x-kubernetes-group-version-kind") or []
    group, _, ver = api_version.rpartition("/")
    if gvks and not any(g.get("group", "") == group and g.get("version") == ver and g.get("kind") == kind for g in gvks):
        return None
    definitions = kv.schema_contents(f"kubernetes-json-schema/{schema_dir}/_definitions.json", version)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


# ----- metadata --------------------------------------------------------------------------------------------
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def _metadata_errors(obj: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return ["metadata: missing"]
    name = meta.get("name")
    if not name and not meta.get("generateName"):
        errors.append("metadata.name: missing")
    elif name and (len(name) > 253 or not _DNS_SUBDOMAIN.match(name)):
        errors.append(f"metadata.name: {name!r} is not a DNS subdomain")
    namespace = meta.get("namespace")
    if namespace is not None and (len(namespace) > 63 or not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", namespace)):
        errors.append(f"metadata.namespace: {namespace!r} is not a DNS label")
    for field in ("labels", "annotations"):
        for key, value in (meta.get(field) or {}).items():
            prefix, _, label = key.rpartition("/")
            if (prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix))) or len(label) > 63 or not _LABEL_NAME.match(label):
                errors.append(f"metadata.{field}: key {key!r} is not a qualified name")
            if not isinstance(value, str):
                errors.append(f"metadata.{field}.{key}: value must be a string")
            elif field == "labels" and (len(value) > 63 or not _LABEL_VALUE.match(value)):
                errors.append(f"metadata.labels.{key}: value {value!r} is not a valid label value")
    return errors


def _path(error: jsonschema.ValidationError) -> str:
    parts = []
    for part in error.absolute_path:
        parts.append(f"[{part}]" if isinstance(part, int) else (f".{part}" if parts else str(part)))
    return "".join(parts) or "(root)"


def _schema_errors(validator: jsonschema.protocols.Validator, obj: dict[str, Any]) -> list[str]:
    found = sorted(validator.iter_errors(obj), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"{_path(e)}: {e.message}" for e in found]


# ----- public API ------------------------------------------------------------------------------------------
def validate_object(obj: dict) -> list[str]:
    """Problems of one Kubernetes object; [] when it is valid."""
    if not isinstance(obj, dict):
        return [f"not an object: {type(obj).__name__}"]
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    name = (obj.get("metadata") or {}).get("name", "?") if isinstance(obj.get("metadata"), dict) else "?"
    label = f"{kind}/{name}"
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return [f"{label}: apiVersion and kind are required strings"]
    errors = _metadata_errors(obj)
    group, _, version = api_version.rpartition("/")
    crd = _crd_index().get((group, version, kind))
    if crd is not None:
        if not crd["served"]:
            errors.append(f"apiVersion: {api_version} of {kind} is not served")
        if crd["scope"] == "Cluster" and (obj.get("metadata") or {}).get("namespace"):
            errors.append(f"metadata.namespace: {kind} is cluster-scoped")
        errors.extend(_schema_errors(_crd_validator(group, version, kind), obj))
    else:
        validator = _builtin_validator(api_version, kind)
        if validator is None:
            return [f"{label}: no schema for {api_version} {kind} (neither Kubernetes {KUBERNETES_VERSION} nor a vendored CRD)"]
        errors.extend(_schema_errors(validator, obj))
    return [f"{label}: {message}" for message in errors]


def validate_objects(objects: list[dict]) -> list[str]:
    """Problems of many objects, in order."""
    return [problem for obj in objects for problem in validate_object(obj)]
