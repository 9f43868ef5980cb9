"""The Stack registry: built-in Stack manifests shipped in `user_space/stacks/*.yaml` plus users' Stacks.

A runnable's `stack: name[+flavor][:version]` resolves here to a `StackDef`: the image, command, ports,
fixed env, the config files to render (`configFileTemplate`), container overrides
(`containerResourceTemplate`) and, for resource-dependent stacks, the kind of object it emits.

Resolution rules:
- exact (name, flavor, version) wins; without a version, the highest registered version of that
  name+flavor; without a flavor, a flavorless Stack of that name, else the only flavored one;
- a Stack DataOS ships that Cloud Kernel does not (scanner, nilus, flash, ...) is `UnsupportedStack`;
- anything else is `UnknownStack` (a compile error naming the known stacks).

Templates: the Go `text/template` subset the built-in Stacks use is rendered here:
`{{ .Path.To.Value }}` and `{{ toYaml .Path | indent N }}` / `{{ toJson .Path }}`. A template using any other
construct is reported as unsupported, never rendered half-way.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from user_space.model.stackref import StackRefError, parse_stack_ref

STACKS_DIR = Path(__file__).resolve().parents[1] / "stacks"

#: Stacks of the DataOS catalogue (§22.2) that Cloud Kernel does not ship yet.
NOT_SHIPPED = {
    "scanner": "metadata scanning into Metis (no Metis in Cloud Kernel yet)",
    "nilus": "CDC/batch ingestion (Debezium-based) is not shipped yet",
    "flash": "the in-memory dataset cache service is not shipped yet",
    "stream-monitor": "stream monitors need the Pulsar incident stream, not shipped yet",
    "fastfun": "Pulsar functions are not shipped (no Pulsar in Cloud Kernel)",
    "pulsar-function": "Pulsar functions are not shipped (no Pulsar in Cloud Kernel)",
    "sodaworker": "the streaming soda worker is not shipped yet",
    "toolbox": "the deprecated Data Toolbox stack is not shipped",
    "alpha": "the legacy `alpha` stack is deprecated; use `container`",
}


class UnknownStack(Exception):
    pass


class UnsupportedStack(Exception):
    pass


class UnsupportedTemplate(Exception):
    pass


@dataclass(frozen=True)
class StackDef:
    resource_name: str
    name: str
    flavor: str | None
    version: str
    image: str | None
    image_pull_secret: str | None
    command: tuple[str, ...]
    arguments: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    port: dict[str, Any] | None
    secret_projection: str
    address_filters: tuple[str, ...]
    schema: dict[str, Any] | None
    configs: dict[str, dict[str, Any]] = field(hash=False, default_factory=dict)  # orchestrator -> config block
    builtin: bool = True

    @property
    def ref(self) -> str:
        text = self.name + (f"+{self.flavor}" if self.flavor else "")
        return f"{text}:{self.version}"

    def config_for(self, orchestrator: str) -> dict[str, Any] | None:
        """`workflowJobConfig` / `serviceConfig` / `workerConfig`; None when the stack can't run there."""
        key = {"workflow": "workflowJobConfig", "service": "serviceConfig", "worker": "workerConfig"}[orchestrator]
        return self.configs.get(key)

    @property
    def resource_kind(self) -> str | None:
        """The kind a resource-dependent stack emits instead of a pod (e.g. SparkApplication)."""
        cfg = self.configs.get("workflowJobConfig") or {}
        template = (cfg.get("resourceTemplateConfig") or {}).get("resourceTemplate")
        return template


def _image(block: dict[str, Any]) -> tuple[str | None, str | None]:
    image = block.get("image")
    if not isinstance(image, dict):
        return None, None
    parts = [image.get("registry"), image.get("repository"), image.get("image")]
    ref = "/".join(str(p).strip("/") for p in parts if p)
    tag = image.get("tag")
    if tag:
        ref += f":{tag}"
    if image.get("digest"):
        ref += f"@{image['digest']}"
    pull = (image.get("auth") or {}).get("imagePullSecret")
    return ref or None, pull


def stack_def(manifest: dict[str, Any], *, builtin: bool) -> StackDef:
    """A StackDef from a `type: stack` manifest (a mapping in the DataOS format, §22.1)."""
    block = manifest.get("stack") or {}
    image, pull = _image(block)
    ports = block.get("ports")
    if isinstance(ports, list):
        ports = ports[0] if ports else None
    schema_text = (block.get("stackSpecValueSchema") or {}).get("jsonSchema")
    schema = json.loads(schema_text) if isinstance(schema_text, str) and schema_text.strip() else None
    configs = {
        key: value for key in ("workflowJobConfig", "serviceConfig", "workerConfig")
        if isinstance(value := block.get(key), dict)
    }
    return StackDef(
        resource_name=manifest.get("name", block.get("name", "")),
        name=block["name"],
        flavor=block.get("flavor"),
        version=str(block.get("version", "")),
        image=image,
        image_pull_secret=pull,
        command=tuple(block.get("command") or ()),
        arguments=tuple(str(a) for a in block.get("arguments") or ()),
        env=tuple(sorted((str(k), str(v)) for k, v in (block.get("environmentVars") or {}).items())),
        port=ports if isinstance(ports, dict) else None,
        secret_projection=(block.get("secretProjection") or {}).get("type", "envVars"),
        address_filters=tuple(block.get("dataOsAddressJqFilters") or ()),
        schema=schema,
        configs=configs,
        builtin=builtin,
    )


@functools.lru_cache(maxsize=1)
def builtin_stacks() -> tuple[StackDef, ...]:
    found = []
    for path in sorted(STACKS_DIR.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc.get("type") == "stack":
                found.append(stack_def(doc, builtin=True))
    return tuple(found)


def builtin_stack_manifests() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(STACKS_DIR.glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    return docs


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\-]", version))


class StackRegistry:
    def __init__(self, custom: list[dict[str, Any]] | None = None):
        self.stacks: list[StackDef] = list(builtin_stacks())
        for manifest in custom or []:
            self.stacks.append(stack_def(manifest, builtin=False))

    def known(self) -> list[str]:
        return sorted({s.ref for s in self.stacks})

    def resolve(self, ref_text: str) -> StackDef:
        try:
            ref = parse_stack_ref(ref_text)
        except StackRefError as exc:
            raise UnknownStack(str(exc)) from None
        by_name = [s for s in self.stacks if s.name == ref.name]
        if not by_name:
            if ref.name in NOT_SHIPPED:
                raise UnsupportedStack(f"stack {ref_text!r}: {NOT_SHIPPED[ref.name]}")
            raise UnknownStack(f"unknown stack {ref_text!r} (known: {', '.join(self.known())})")
        if ref.flavor is not None:
            candidates = [s for s in by_name if s.flavor == ref.flavor]
        else:
            candidates = [s for s in by_name if s.flavor is None]
            if not candidates and len({s.flavor for s in by_name}) == 1:
                candidates = by_name
        if ref.version is not None:
            candidates = [s for s in candidates if s.version == ref.version]
        if not candidates:
            raise UnknownStack(f"unknown stack {ref_text!r} (known: {', '.join(self.known())})")
        # Users' Stacks shadow built-ins of the same name+flavor+version; otherwise the highest version wins.
        return max(candidates, key=lambda s: (_version_key(s.version), not s.builtin))


# ----- the template subset ----------------------------------------------------------------------------------
_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")
_PATH = re.compile(r"\.[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_PIPE = re.compile(r"(toYaml|toJson)\s+(\.[A-Za-z0-9_.]+)(?:\s*\|\s*indent\s+(\d+))?")


def _lookup(context: dict[str, Any], path: str) -> Any:
    value: Any = context
    for part in path.strip(".").split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def render_template(template: str, context: dict[str, Any]) -> str:
    """Render the supported Go-template subset; raise UnsupportedTemplate for anything else."""

    def action(match: re.Match[str]) -> str:
        body = match.group(1)
        if _PATH.fullmatch(body):
            value = _lookup(context, body)
            return "" if value is None else str(value)
        pipe = _PIPE.fullmatch(body)
        if pipe:
            fn, path, indent = pipe.groups()
            value = _lookup(context, path)
            if fn == "toJson":
                text = json.dumps(value, sort_keys=True)
            else:
                text = "" if value is None else yaml.safe_dump(value, sort_keys=True, default_flow_style=False).rstrip("\n")
            if indent:
                pad = " " * int(indent)
                text = "\n".join(pad + line if line else line for line in text.split("\n"))
                # Sprig's `indent` pads the first line too; the template already placed the action there.
                text = text[int(indent):] if match.start() > 0 and _line_prefix_is_blank(match) else text
            return text
        raise UnsupportedTemplate(f"template construct {{{{ {body} }}}} is not supported")

    return _ACTION.sub(action, template)


def _line_prefix_is_blank(match: re.Match[str]) -> bool:
    text = match.string
    start = text.rfind("\n", 0, match.start()) + 1
    return text[start:match.start()].strip() == "" and match.start() > start


def render_config_files(stack: StackDef, orchestrator: str, context: dict[str, Any]) -> dict[str, str]:
    """The files of `configFileTemplate` (a YAML mapping file name -> content, after rendering)."""
    cfg = stack.config_for(orchestrator) or {}
    template = cfg.get("configFileTemplate")
    if not template:
        return {}
    rendered = render_template(template, context)
    try:
        files = yaml.safe_load(rendered)
    except yaml.YAMLError as exc:
        raise UnsupportedTemplate(f"configFileTemplate of stack {stack.ref} does not render to YAML: {exc}") from None
    if not isinstance(files, dict):
        raise UnsupportedTemplate(f"configFileTemplate of stack {stack.ref} must render to a mapping of files")
    return {str(k): (v if isinstance(v, str) else yaml.safe_dump(v, sort_keys=True)) for k, v in sorted(files.items())}


def container_overrides(stack: StackDef, orchestrator: str) -> dict[str, Any]:
    cfg = stack.config_for(orchestrator) or {}
    text = cfg.get("containerResourceTemplate") or cfg.get("conatinerResourceTemplate")
    if not text:
        return {}
    if "{{" in text:
        raise UnsupportedTemplate(f"stack {stack.ref}: templated containerResourceTemplate is not supported")
    data = yaml.safe_load(text)
    return data if isinstance(data, dict) else {}
