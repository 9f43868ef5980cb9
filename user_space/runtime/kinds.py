"""The custom resource kinds the runtime watches (one per Resource type, group `kernel.cloudkernel.io`) and
the labels and annotations it puts on what it owns. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from user_space.crds import GROUP, VERSION, plural
from user_space.model.registry import MODELS

FIELD_MANAGER = "cloud-kernel-runtime"
MANAGED_BY = "cloud-kernel-runtime"
#: `type:workspace:name` of the Resource an object belongs to (workspace empty for instance-level types).
OWNER_ANNOTATION = "runtime.cloudkernel.io/owner"
#: Where kopf keeps its progress and last-handled state on the custom resources.
KOPF_PREFIX = "runtime.cloudkernel.io"


@dataclass(frozen=True)
class Kind:
    type: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{GROUP}/{VERSION}"


KINDS: dict[str, Kind] = {
    t: Kind(t, cls.KIND, plural(cls.KIND), cls.SCOPE == "workspace") for t, cls in sorted(MODELS.items())
}
BY_KIND: dict[str, Kind] = {k.kind: k for k in KINDS.values()}
BY_PLURAL: dict[str, Kind] = {k.plural: k for k in KINDS.values()}


def owner_key(type_name: str, workspace: str | None, name: str) -> str:
    return f"{type_name}:{workspace or ''}:{name}"


def parse_owner_key(text: str) -> tuple[str, str | None, str] | None:
    parts = text.split(":")
    if len(parts) != 3 or parts[0] not in KINDS:
        return None
    return parts[0], parts[1] or None, parts[2]
