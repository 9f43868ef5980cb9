"""Check Helm release values against the charts themselves (`shared/charts/<chart>/<version>/`).

What `shared/charts/README.md` asks of every `helm.v3.Release`:
1. the chart version is one of the vendored folders;
2. every key path we set exists in the chart's `values.yaml` (or a sub-chart's, for a key naming a sub-chart)
   or is named by its `values.schema.json`; free-form maps of the defaults (`{}` or null) take any sub-key,
   `global` is always allowed;
3. our values merged over the defaults the way Helm coalesces them validate against `values.schema.json`
   (and a sub-chart's own schema for its key).

`check_release(chart, version, values) -> list[str]`: an empty list means the release is right. Each message
names the chart and the dotted key path.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from kubernetes_validate import utils as kv

from tests.support.k8s_validation import KUBERNETES_VERSION, SHARED

CHARTS_DIR = SHARED / "charts"

# `CHARTS[...].name` (a repository chart name or an OCI reference) -> its folder in shared/charts.
OCI_FOLDERS = {"oci://docker.io/envoyproxy/gateway-helm": "gateway-helm"}


def chart_folder(name: str) -> str:
    return OCI_FOLDERS.get(name, name.rsplit("/", 1)[-1])


@functools.lru_cache(maxsize=None)
def _load(path: Path) -> Any:
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else (yaml.safe_load(text) or {})


def chart_files(folder: str, version: str) -> tuple[dict[str, Any], dict[str, Any] | None, Path]:
    root = CHARTS_DIR / folder / version
    return _load(root / "values.yaml"), _load(root / "values.schema.json"), root


def versions(folder: str) -> list[str]:
    base = CHARTS_DIR / folder
    return sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []


_KEY_LINE = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_.\-/]*):(\s|$)")
_COMMENTED_KEY = re.compile(r"^(\s*)#\s?([A-Za-z_][A-Za-z0-9_\-]*):(\s|$)")


@functools.lru_cache(maxsize=None)
def documented_keys(path: Path) -> frozenset[str]:
    """Dotted paths of the keys a values.yaml documents as commented-out options (`  # minAvailable: 1` under
    `pdb:`): charts read them in templates without giving them a default."""
    if not path.is_file():
        return frozenset()
    stack: list[tuple[int, str]] = []  # (indent, key) of the open maps
    found: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        real, commented = _KEY_LINE.match(line), _COMMENTED_KEY.match(line)
        match = real or commented
        if match is None:
            continue
        indent = len(match.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parents = [key for _, key in stack]
        if real:
            stack.append((indent, match.group(2)))
        elif parents or indent == 0:
            found.add(".".join([*parents, match.group(2)]))
    return frozenset(found)


# ----- Helm's coalescing -------------------------------------------------------------------------------------
def coalesce(defaults: Any, values: Any) -> Any:
    """`values` over `defaults` as Helm merges them: maps recursively, lists and scalars replace, null deletes."""
    if not isinstance(defaults, dict) or not isinstance(values, dict):
        return copy.deepcopy(values)
    merged = copy.deepcopy(defaults)
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = coalesce(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


# ----- schema navigation -------------------------------------------------------------------------------------
def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/"):
        target: Any = root
        for part in schema["$ref"][2:].split("/"):
            target = target[part]
        schema = target
    return schema


def _schema_child(schema: Any, key: str, root: dict[str, Any]) -> tuple[bool, Any]:
    """(named, sub-schema) of `key` under `schema`: named when the schema declares the key (or a pattern,
    or a typed `additionalProperties`) for it."""
    schema = _resolve(schema, root)
    if not isinstance(schema, dict):
        return False, None
    candidates = [schema] + [_resolve(s, root) for k in ("allOf", "anyOf", "oneOf") for s in schema.get(k, [])]
    for candidate in candidates:
        if not isinstance(candidate, dict):
            continue
        properties = candidate.get("properties") or {}
        if key in properties:
            return True, properties[key]
        for pattern, sub in (candidate.get("patternProperties") or {}).items():
            if re.search(pattern, key):
                return True, sub
        extra = candidate.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return True, extra
    return False, None


# ----- key existence -----------------------------------------------------------------------------------------
def _free_form(default: Any) -> bool:
    return default is None or default == {}


@functools.lru_cache(maxsize=None)
def _kubernetes_fields(*definitions: str) -> frozenset[str]:
    """Field names of Kubernetes API types (the strict schemas `kubernetes-validate` ships)."""
    version = [v for v in kv.all_versions() if kv.major_minor(v) <= KUBERNETES_VERSION][-1]
    defs = kv.schema_contents(f"kubernetes-json-schema/v{version}-local-strict/_definitions.json", version)["$defs"]
    return frozenset(field for name in definitions for field in defs[f"io.k8s.api.core.v1.{name}"]["properties"])


# Chart keys whose map the templates hand to Kubernetes as it is (`toYaml`): their sub-keys are checked against
# the Kubernetes type, not against the sample keys the chart's defaults happen to carry.
PASSTHROUGH: dict[str, tuple[str, ...]] = {
    "securityContext": ("SecurityContext", "PodSecurityContext"),
    "containerSecurityContext": ("SecurityContext",),
    "podSecurityContext": ("PodSecurityContext",),
    "resources": ("ResourceRequirements",),
}


# Kubernetes label maps: any key is a label, whatever sample labels the defaults carry.
LABEL_MAPS = frozenset({"nodeSelector"})


def _passthrough(key: str, value: dict[str, Any], default: Any, path: str) -> list[str]:
    known = _kubernetes_fields(*PASSTHROUGH[key]) | set(default if isinstance(default, dict) else {})
    return [f"{path}.{sub}: not a field of Kubernetes {'/'.join(PASSTHROUGH[key])}" for sub in value if sub not in known]


def unknown_keys(
    values: dict[str, Any], defaults: dict[str, Any], schema: dict[str, Any] | None, root: Path
) -> list[str]:
    """Key paths of `values` that the chart (defaults, schema, sub-charts) does not know."""
    problems: list[str] = []
    own: dict[str, Any] = {}
    for key, value in values.items():
        sub_root = root / "charts" / key
        if key == "global":
            continue
        if (sub_root / "values.yaml").is_file():
            # A key naming a sub-chart is checked against the sub-chart (its defaults, then the parent's).
            sub_defaults = coalesce(_load(sub_root / "values.yaml"), defaults.get(key) or {})
            if isinstance(value, dict):
                sub_schema = _load(sub_root / "values.schema.json")
                documented = documented_keys(root / "values.yaml") | {
                    f"{key}.{p}" for p in documented_keys(sub_root / "values.yaml")
                }
                problems += _walk(value, sub_defaults, sub_schema, sub_schema or {}, f"{key}.", documented)
            continue
        own[key] = value
    return _walk(own, defaults, schema, schema or {}, "", documented_keys(root / "values.yaml")) + problems


def _walk(
    values: dict[str, Any],
    defaults: Any,
    schema: Any,
    schema_root: dict[str, Any],
    prefix: str,
    documented: frozenset[str] | set[str],
    strict: bool = False,
) -> list[str]:
    """Unknown key paths below one map; `strict`: the defaults say nothing here, only the schema vouches."""
    if strict:
        resolved = _resolve(schema, schema_root)
        if not isinstance(resolved, dict) or not (resolved.get("properties") or resolved.get("patternProperties")):
            return []  # an object schema without declared keys is free-form
    defaults = defaults if isinstance(defaults, dict) else {}
    problems: list[str] = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        named, sub_schema = _schema_child(schema, key, schema_root) if schema is not None else (False, None)
        in_defaults = key in defaults
        if not in_defaults and not named and path not in documented:
            problems.append(f"{path}: not a key of the chart")
            continue
        default = defaults.get(key)
        if isinstance(value, dict) and key in PASSTHROUGH:
            problems += _passthrough(key, value, default, path)
        elif isinstance(value, dict) and key in LABEL_MAPS:
            continue
        elif isinstance(value, dict):
            if in_defaults and not _free_form(default) and not isinstance(default, dict):
                problems.append(f"{path}: the chart has a {type(default).__name__} here, we set a map")
            elif in_defaults and isinstance(default, dict) and default:
                problems += _walk(value, default, sub_schema, schema_root, f"{path}.", documented)
            elif not in_defaults and sub_schema is not None:
                problems += _walk(value, {}, sub_schema, schema_root, f"{path}.", documented, strict=True)
        elif in_defaults and isinstance(default, dict) and default and value is not None:
            problems.append(f"{path}: the chart has a map here, we set a {type(value).__name__}")
    return problems


# ----- schema validation -------------------------------------------------------------------------------------
def schema_errors(merged: dict[str, Any], schema: dict[str, Any] | None, label: str = "") -> list[str]:
    if schema is None:
        return []
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    found = sorted(cls(schema).iter_errors(merged), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{label}{'.'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in found]


def check_release(chart: str, version: str, values: dict[str, Any]) -> list[str]:
    """Every problem of one release: unknown version, unknown keys, schema errors (parent and sub-charts)."""
    folder = chart_folder(chart)
    known = versions(folder)
    if version not in known:
        return [f"{folder}: version {version} is not vendored in shared/charts (have: {', '.join(known) or 'none'})"]
    defaults, schema, root = chart_files(folder, version)
    problems = [f"{folder} {version}: {p}" for p in unknown_keys(values, defaults, schema, root)]
    merged = coalesce(defaults, values)
    problems += [f"{folder} {version}: schema: {p}" for p in schema_errors(merged, schema)]
    for sub in sorted((root / "charts").glob("*/values.schema.json")):
        key = sub.parent.name
        sub_values = coalesce(coalesce(_load(sub.parent / "values.yaml"), merged.get(key) or {}), {"global": merged.get("global", {})})
        problems += [f"{folder} {version}: schema of {key}: {p}" for p in schema_errors(sub_values, _load(sub))]
    return problems
