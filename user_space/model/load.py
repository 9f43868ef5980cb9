"""Load manifests from files and folders: multi-document YAML, env interpolation, `file:` inlining.

`load_paths` never raises for bad input: every Resource (or unreadable file) becomes one `LoadedResource`
whose `errors` say what is wrong, with file, line and field path.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from user_space.model.envelope import Resource
from user_space.model.errors import FieldError, ResourceError, format_path
from user_space.model.interpolate import interpolate
from user_space.model.parse import parse_resource
from user_space.model.yamlsrc import Document, read_documents

MANIFEST_SUFFIXES = (".yaml", ".yml")
MAX_FILE_DEPTH = 8
#: A manifest becomes one custom resource, and the API server (etcd) stores no object over 1.5 MiB.
MAX_FILE_BYTES = 1_572_864


@dataclass
class LoadedResource:
    """One document of a manifest file, validated. `resource` is None when `errors` is not empty."""

    file: str
    line: int
    type: str | None
    name: str | None
    resource: Resource | None
    errors: list[FieldError] = field(default_factory=list)
    data: Any = None
    #: field path -> line in this document (for errors found later, such as dangling references)
    line_of: Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.errors


def manifest_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files as given, folders searched recursively for *.yaml / *.yml, sorted within each folder."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in MANIFEST_SUFFIXES))
        else:
            found.append(path)
    return found


def load_paths(
    paths: Iterable[str | os.PathLike[str]],
    interpolate: bool = True,
    *,
    resolve_files: bool = True,
    env: Mapping[str, str] | None = None,
    strict_env: bool = False,
) -> list[LoadedResource]:
    """Validate every Resource found under `paths` (files or folders).

    `interpolate`: replace `$VAR`/`${VAR}` from `env` (default: the process environment).
    `strict_env`: a variable that is not set is an error on its field (what `kernelctl` and `pulumi up` use);
    otherwise it is left as written.
    `resolve_files`: inline `file:` references of Workflow DAG jobs and Bundle resources, relative to the
    manifest; a missing or invalid referenced file is an error on that field.
    """
    environment = dict(os.environ if env is None else env) if interpolate else None
    out: list[LoadedResource] = []
    for path in manifest_files(paths):
        out.extend(load_file(path, environment, resolve_files, strict_env=strict_env))
    return out


def read_text(path: Path) -> str:
    """A manifest's text; raises `OSError` with a one-line reason (not a file, unreadable, not UTF-8)."""
    if path.is_dir():
        raise OSError("is a folder, not a file")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise OSError(f"larger than {MAX_FILE_BYTES} bytes, the most a Kubernetes object may hold")
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise OSError(f"not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except OSError as exc:
        raise OSError(exc.strerror or str(exc)) from None


def load_file(path: Path, env: Mapping[str, str] | None, resolve_files: bool = True, *,
              strict_env: bool = False) -> list[LoadedResource]:
    """Every document of one file. `env` None disables interpolation."""
    name = str(path)
    try:
        text = read_text(path)
    except OSError as exc:
        return [LoadedResource(name, 1, None, None, None, [FieldError("", f"cannot read file: {exc}", 1)])]
    docs, syntax = read_documents(text)
    out = [_load_document(path, doc, env, resolve_files, strict_env) for doc in docs if doc.data is not None]
    if syntax is not None:
        line = syntax.line or 1
        out.append(LoadedResource(name, line, None, None, None, [FieldError("", str(syntax), line)]))
    if not out:
        out.append(LoadedResource(name, 1, None, None, None, [FieldError("", "no Resource in this file", 1)]))
    return out


def _load_document(path: Path, doc: Document, env: Mapping[str, str] | None, resolve_files: bool,
                   strict_env: bool = False) -> LoadedResource:
    missing: list[tuple[tuple[Any, ...], str]] = []
    data = interpolate(doc.data, env, missing) if env is not None else doc.data
    type_name = _text(data, "type")
    name = _text(data, "name")
    errors: list[FieldError] = []
    if strict_env:
        errors += [FieldError(format_path(loc), f"environment variable {var} is not set (write $$ for a literal $)",
                              doc.line_of(loc)) for loc, var in missing]
    if resolve_files and isinstance(data, dict):
        data, file_errors = inline_files(data, path.parent, env, doc, depth=0, seen=(path.resolve(),),
                                         strict_env=strict_env)
        errors += file_errors
    try:
        resource = parse_resource(data, doc.line_of)
    except ResourceError as exc:
        return LoadedResource(str(path), doc.line, type_name, name, None, errors + exc.errors, data, doc.line_of)
    if errors:
        return LoadedResource(str(path), doc.line, type_name, name, None, errors, data, doc.line_of)
    return LoadedResource(str(path), doc.line, type_name, name, resource, [], data, doc.line_of)


def _text(data: Any, key: str) -> str | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


# ----- file: references ------------------------------------------------------------------------------------
def inline_files(
    data: dict[str, Any], base: Path, env: Mapping[str, str] | None, doc: Document | None,
    depth: int, seen: tuple[Path, ...], strict_env: bool = False,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Inline `workflow.dag[].file` and `bundle.resources[].file` (a copy; `file` stays as provenance).

    Referenced files are interpolated like the manifest; with `strict_env` an unset variable in one is an
    error on the `file` field naming the referenced file, its line, the field and the variable.

    A DAG file holding a whole Workflow becomes the job's nested `workflow`; one holding a job spec (or a
    job with `spec`) becomes its `spec`. A Bundle file becomes the entry's `spec` (a full manifest).
    """
    errors: list[FieldError] = []
    type_name = data.get("type")
    container, list_key = {"workflow": ("workflow", "dag"), "bundle": ("bundle", "resources")}.get(
        type_name if isinstance(type_name, str) else "", (None, None))
    block = data.get(container) if container else None
    entries = block.get(list_key) if isinstance(block, dict) else None
    if not isinstance(entries, list):
        return data, errors
    new_entries = []
    for index, entry in enumerate(entries):
        ref = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(ref, str):
            new_entries.append(entry)
            continue
        loc = (container, list_key, index, "file")
        line = doc.line_of(loc) if doc else None
        target = (base / ref).resolve()
        content, problem, unset = _read_reference(target, env, depth, seen)
        if problem:
            errors.append(FieldError(format_path(loc), problem, line))
            new_entries.append(entry)
            continue
        if strict_env:
            errors.extend(FieldError(format_path(loc), f"in {ref}: {message}", line) for message in unset)
        if resolve := _nested(content, target, env, depth, seen, strict_env):
            content, nested_errors = resolve
            errors.extend(FieldError(format_path(loc), f"in {ref}: {e}", line) for e in nested_errors)
        new_entries.append(_merge(type_name, dict(entry), content))
    new_block = dict(block)
    new_block[list_key] = new_entries
    return {**data, container: new_block}, errors


def _read_reference(target: Path, env, depth: int, seen: tuple[Path, ...]) -> tuple[Any, str | None, list[str]]:
    """(content, problem, unset variables as `line N: field: message`) of one referenced file."""
    if depth >= MAX_FILE_DEPTH or target in seen:
        return None, f"file reference loop through {target.name}", []
    if not target.is_file():
        return None, f"referenced file not found: {target}", []
    try:
        docs, syntax = read_documents(read_text(target))
    except OSError as exc:
        return None, f"cannot read {target.name}: {exc}", []
    if syntax is not None:
        return None, f"{target.name}: {syntax}", []
    if len(docs) != 1 or not isinstance(docs[0].data, dict):
        return None, f"{target.name} must hold exactly one YAML mapping", []
    doc = docs[0]
    if env is None:
        return doc.data, None, []
    missing: list[tuple[tuple[Any, ...], str]] = []
    content = interpolate(doc.data, env, missing)
    unset = [f"line {doc.line_of(loc) or doc.line}: {format_path(loc)}: environment variable {var} is not set "
             "(write $$ for a literal $)" for loc, var in missing]
    return content, None, unset


def _nested(content: dict[str, Any], target: Path, env, depth: int, seen: tuple[Path, ...], strict_env: bool):
    if content.get("type") in ("workflow", "bundle"):
        return inline_files(content, target.parent, env, None, depth + 1, seen + (target,), strict_env)
    return None


def _merge(type_name: str, entry: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
    if type_name == "bundle":
        entry.setdefault("spec", content)
    elif content.get("type") == "workflow" and isinstance(content.get("workflow"), dict):
        entry.setdefault("workflow", content["workflow"])
    elif "spec" in content and "stack" not in content:
        entry.setdefault("spec", content["spec"])
    else:
        entry.setdefault("spec", content)
    return entry
