"""The Resource model: DataOS-compatible manifests as frozen pydantic models. No Pulumi import here.

The stable API (what the compiler, the operator and `kernelctl` use):

- `parse_resource(data: dict) -> Resource`: validate one manifest mapping; raises `ResourceError` only.
  `ResourceError.errors` is a list of `FieldError(path, message, line)`, path like `workflow.dag[2].spec.stack`.
- `load_paths(paths, interpolate=True, *, resolve_files=True) -> list[LoadedResource]`: files or folders
  (recursive *.yaml/*.yml, multi-document); never raises for bad input. Each `LoadedResource` has `.file`,
  `.line`, `.type`, `.name`, `.resource` (the model, or None) and `.errors` (`.path`, `.message`, `.line`).
- `MODELS` (type -> model class), `accepted_versions(type)`, and per class `TYPE`, `KIND`, `VERSIONS`,
  `SCOPE` ("workspace" | "instance"); `Resource.block` is the type block, `Resource.resource_id` the
  `TYPE:VERSION:NAME[:WORKSPACE]` identity.
- `parse_udl` / `Udl` and `parse_stack_ref` / `StackRef`: pure parsers of `dataos://...` and `name+flavor:version`.
"""

from user_space.model.envelope import Resource
from user_space.model.errors import FieldError, ResourceError
from user_space.model.load import LoadedResource, load_paths
from user_space.model.parse import parse_resource
from user_space.model.registry import MODELS, accepted_versions, model_for, types
from user_space.model.stackref import StackRef, StackRefError, parse_stack_ref
from user_space.model.udl import Udl, UdlError, parse_udl

__all__ = [
    "MODELS", "FieldError", "LoadedResource", "Resource", "ResourceError", "StackRef", "StackRefError", "Udl",
    "UdlError", "accepted_versions", "load_paths", "model_for", "parse_resource", "parse_stack_ref", "parse_udl",
    "types",
]
