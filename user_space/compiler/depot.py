"""Depot -> a connection ConfigMap (the depot service's record) plus references to its secrets.

The ConfigMap `depot-<name>` holds `depot.json` (type, connection block, secret names per acl, source) and
`connection.properties`. It lives in the instance namespace and is copied into each workspace whose
runnables name the depot in a UDL (`dataos://<depot>:...`), where the pod mounts it at
`/etc/dataos/depots/<name>`; the depot's Instance Secrets are projected beside it (r or rw by the UDL's acl).
Lakehouse Resources register their own depot here too.
"""

from __future__ import annotations

import json
from typing import Any

from user_space.compiler.common import INSTANCE_WORKSPACE, Res, Unsupported, metadata, obj
from user_space.compiler.index import Index
from user_space.compiler.pods import depot_configmap_name

_POSTGRES_LIKE = {"JDBC", "POSTGRES", "POSTGRESQL"}


def depot_facts(idx: Index) -> dict[str, dict[str, Any]]:
    facts: dict[str, dict[str, Any]] = {}
    for res in idx.of_type("depot"):
        block = res.block
        dtype = str(block.get("type", "")).upper()
        connection = block.get(dtype.lower()) or block.get("postgresql") or block.get("spec") or {}
        secrets = [{"name": s["name"], **({"workspace": s["workspace"]} if s.get("workspace") else {})}
                   for s in (block.get("secrets") or []) + (block.get("dataosSecrets") or [])]
        secrets = [s for s in secrets if idx.find("instance-secret", s["name"]) is not None]
        if block.get("connectionSecret"):
            idx.notes.append(Unsupported(res.resource_id, "inline depot.connectionSecret credentials are not "
                                                          "projected into pods; reference Instance Secrets instead"))
        facts[res.name] = {"type": dtype, "connection": connection, "secrets": secrets, "resource": res,
                           "source": block.get("source") or res.name, "needs": ()}
    for res in idx.of_type("lakehouse"):
        from user_space.compiler.lakehouse import lakehouse_depot

        name, fact = lakehouse_depot(idx, res)
        facts.setdefault(name, fact)
    return facts


def depot_configmap(res: Res, name: str, fact: dict[str, Any], namespace: str) -> dict[str, Any]:
    record = {
        "name": name,
        "type": fact["type"],
        "source": fact["source"],
        "connection": fact["connection"],
        "secrets": sorted(s["name"] for s in fact["secrets"]),
    }
    props = "".join(f"{k}={v}\n" for k, v in sorted(fact["connection"].items()) if not isinstance(v, (dict, list)))
    return obj("v1", "ConfigMap", metadata(res, depot_configmap_name(name), namespace=namespace, component="depot",
                                           extra_labels={"cloudkernel.io/depot": name}),
               data={"connection.properties": props, "depot.json": json.dumps(record, sort_keys=True, indent=2)})


def compile_depot(idx: Index, res: Res) -> list[dict[str, Any]]:
    fact = idx.depots()[res.name]
    return [depot_configmap(res, res.name, fact, INSTANCE_WORKSPACE)]


def imported_depots(idx: Index) -> list[dict[str, Any]]:
    facts = idx.depots()
    out = []
    for workspace, name in sorted(idx.depot_imports):
        fact = facts[name]
        if workspace != fact["resource"].workspace:
            out.append(depot_configmap(fact["resource"], name, fact, workspace))
    return out
