"""Secret / Instance Secret -> a Kubernetes Secret.

- `key-value`: one key per pair; `key-value-properties`: the pairs plus the `secret.properties` blob
  (what `consumptionType: propFile` mounts); `cloud-kernel-image-pull`: a dockerconfigjson Secret;
  `certificate(s)`: one key per file.
- A value written as `secretmanager:<name>` (or a Secret whose data is all such references) compiles to an
  External Secrets `ExternalSecret` reading the cloud secret manager through the context's
  ClusterSecretStore instead: nothing secret is stored in Git.
- An Instance Secret lives in the instance namespace and is copied into every workspace whose pods use it.
"""

from __future__ import annotations

from typing import Any

from user_space.compiler.common import INSTANCE_WORKSPACE, CompileError, Res, metadata, obj, require
from user_space.compiler.index import Index
from user_space.compiler.pods import PROPERTIES_KEY, instance_secret_name

MANAGER_PREFIX = "secretmanager:"


def _data(res: Res) -> dict[str, str]:
    block = res.block
    data = {str(k): str(v) for k, v in (block.get("data") or {}).items()}
    for key, value in (block.get("files") or {}).items():
        data.setdefault(str(key), str(value))
    return dict(sorted(data.items()))


def secret_objects(idx: Index, res: Res, name: str, namespace: str) -> list[dict[str, Any]]:
    block = res.block
    data = _data(res)
    meta = metadata(res, name, namespace=namespace, component="secret",
                    extra_labels={"cloudkernel.io/acl": block.get("acl", "r")})
    refs = {k: v[len(MANAGER_PREFIX):] for k, v in data.items() if v.startswith(MANAGER_PREFIX)}
    if refs:
        if len(refs) != len(data):
            raise CompileError(res.resource_id, "mix of secretmanager: references and literal values; use one form")
        store = require(idx.context.secret_store, res, "External Secrets (secretmanager: references)")
        target: dict[str, Any] = {"name": name, "creationPolicy": "Owner", "deletionPolicy": "Delete"}
        if block.get("type", "key-value") == "key-value-properties":
            # The `secret.properties` blob `consumptionType: propFile` mounts, rendered by External Secrets
            # from the fetched keys (merged with them, so each key stays readable on its own too).
            target["template"] = {"engineVersion": "v2", "mergePolicy": "Merge", "data": {
                PROPERTIES_KEY: "".join(f"{k}={{{{ .{k} }}}}\n" for k in sorted(refs))}}
        return [obj("external-secrets.io/v1", "ExternalSecret", meta, spec={
            "refreshInterval": "1h",
            "secretStoreRef": {"kind": store.kind, "name": store.name},
            "target": target,
            "data": [{"secretKey": k, "remoteRef": {"key": store.key(v.split("#")[0]),
                                                    **({"property": v.split("#", 1)[1]} if "#" in v else {})}}
                     for k, v in sorted(refs.items())],
        })]
    stype = block.get("type", "key-value")
    if stype == "cloud-kernel-image-pull":
        if ".dockerconfigjson" not in data:
            raise CompileError(res.resource_id, "an image-pull secret needs data key `.dockerconfigjson`")
        return [obj("v1", "Secret", meta, type="kubernetes.io/dockerconfigjson",
                    stringData={".dockerconfigjson": data[".dockerconfigjson"]})]
    string_data = dict(data)
    if stype == "key-value-properties":
        string_data[PROPERTIES_KEY] = "".join(f"{k}={v}\n" for k, v in data.items())
    return [obj("v1", "Secret", meta, type="Opaque", immutable=False, stringData=dict(sorted(string_data.items())))]


def compile_secret(idx: Index, res: Res) -> list[dict[str, Any]]:
    return secret_objects(idx, res, res.name, res.workspace)


def compile_instance_secret(idx: Index, res: Res) -> list[dict[str, Any]]:
    return secret_objects(idx, res, instance_secret_name(res.name), INSTANCE_WORKSPACE)


def imported_instance_secrets(idx: Index) -> list[dict[str, Any]]:
    out = []
    for workspace, name in sorted(idx.secret_imports):
        res = idx.find("instance-secret", name)
        if res is not None and workspace != INSTANCE_WORKSPACE:
            out.extend(secret_objects(idx, res, instance_secret_name(name), workspace))
    return out
