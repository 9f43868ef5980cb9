"""The recording monitor: a `MockMonitor` that keeps what the program asked the engine to create.

Pulumi's mock monitor hands `Mocks.new_resource` only the inputs. A plan needs more: parent, provider,
dependencies, resource options and which values were secret. This subclass reads them from the raw
`RegisterResourceRequest` before delegating, so the program runs exactly as it would under the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.mocks import MockMonitor

# Markers the Pulumi wire format uses inside property maps (pulumi/runtime/rpc.py).
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
REDACTED = "[secret]"
STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    provider: str | None
    inputs: dict[str, Any]
    secret_paths: list[str]
    dependencies: list[str]
    protect: bool
    retain_on_delete: bool
    delete_before_replace: bool
    ignore_changes: list[str]
    aliases: list[Any]


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def redact(value: Any, path: str = "", secret_paths: list[str] | None = None) -> Any:
    """Turn wire-format values into plain JSON: secrets become "[secret]" (their paths are listed),
    resource references become their URN, assets their path or hash."""
    if secret_paths is None:
        secret_paths = []
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return redact_secret(value.get("value"), path, secret_paths)
        if sig == RESOURCE_SIG:
            return value.get("urn", "")
        if sig in (ASSET_SIG, ARCHIVE_SIG):
            return {k: v for k, v in value.items() if k in ("path", "uri", "hash")}
        return {k: redact(v, _join(path, k), secret_paths) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, _join(path, i), secret_paths) for i, v in enumerate(value)]
    if value == UNKNOWN:
        return "[unknown]"
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf Struct carries every number as a double
    return value


def redact_secret(value: Any, path: str, secret_paths: list[str]) -> Any:
    """A secret value redacted key by key: maps and lists keep their shape (a Secret's `stringData` stays a map
    of its keys, so the object still validates), every leaf becomes "[secret]" and its path is listed."""
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        return redact_secret(value.get("value"), path, secret_paths)
    if isinstance(value, dict) and SIG_KEY not in value:
        return {k: redact_secret(v, _join(path, k), secret_paths) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_secret(v, _join(path, i), secret_paths) for i, v in enumerate(value)]
    secret_paths.append(path or "$")
    return REDACTED


def unwrap(value: Any) -> Any:
    """The plain value with secrets revealed: what the simulated cloud computes outputs from (never stored)."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return unwrap(value.get("value"))
        if sig == RESOURCE_SIG:
            return value.get("urn", "")
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _provider_urn(reference: str) -> str | None:
    # A provider reference is "<urn>::<id>"; the URN itself contains "::".
    if not reference:
        return None
    return reference.rsplit("::", 1)[0]


def _mark_secret_outputs(outputs, names) -> None:
    """Wrap the outputs a provider declares secret (e.g. a generated password), as the engine does.

    The stock mock monitor ignores `additionalSecretOutputs`, which would let such values reach the plan
    and the stack outputs in clear text.
    """
    for name in names:
        if name not in outputs.fields:
            continue
        plain = outputs.fields[name]
        wrapped = struct_pb2.Value()
        wrapped.struct_value.fields[SIG_KEY].string_value = SECRET_SIG
        wrapped.struct_value.fields["value"].CopyFrom(plain)
        outputs.fields[name].CopyFrom(wrapped)


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks):
        super().__init__(mocks)
        self.registrations: dict[str, Registration] = {}
        self.duplicates: list[str] = []
        self.stack_urn: str | None = None
        self.stack_outputs: dict[str, Any] = {}
        self.stack_output_secret_paths: list[str] = []

    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            self.stack_urn = urn
            return super().RegisterResource(request)
        if urn in self.registrations:
            # The engine refuses two resources with one URN; the mock would silently overwrite.
            self.duplicates.append(urn)
        raw = json_format.MessageToDict(request.object)
        secret_paths: list[str] = []
        inputs = redact(raw, "", secret_paths)
        dependencies = set(request.dependencies)
        for entry in request.propertyDependencies.values():
            dependencies.update(entry.urns)
        aliases = [json_format.MessageToDict(a) for a in request.aliases] + list(request.aliasURNs)
        self.registrations[urn] = Registration(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            custom=bool(request.custom),
            provider=_provider_urn(request.provider),
            inputs=inputs,
            secret_paths=sorted(secret_paths),
            dependencies=sorted(d for d in dependencies if d),
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=bool(request.deleteBeforeReplace),
            ignore_changes=sorted(request.ignoreChanges),
            aliases=aliases,
        )
        response = super().RegisterResource(request)
        _mark_secret_outputs(response.object, request.additionalSecretOutputs)
        return response

    def RegisterResourceOutputs(self, request):
        if request.urn and request.urn == self.stack_urn:
            paths: list[str] = []
            self.stack_outputs = redact(json_format.MessageToDict(request.outputs), "", paths)
            self.stack_output_secret_paths = sorted(paths)
        return super().RegisterResourceOutputs(request)
