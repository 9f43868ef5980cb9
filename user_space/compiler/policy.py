"""Policy, Grant -> data for the policy decision point: one OPA data ConfigMap entry per Resource.

kube-mgmt loads ConfigMaps labelled with the context's `data_label` into OPA's data tree; each entry
holds `{"kind": "policy"|"grant", ...}` as JSON under the key `<type>-<name>.json`, and lives in the
policy namespace, so Rego reads `data.cloudkernel.policies[...]`.
"""

from __future__ import annotations

import json
from typing import Any

from user_space.compiler.common import Res, dns_name, metadata, obj, require
from user_space.compiler.index import Index


def _entry(res: Res) -> dict[str, Any]:
    return {"id": res.resource_id, "name": res.name, "type": res.type, "layer": res.data.get("layer", "user"),
            "owner": res.owner, "tags": res.data.get("tags") or [], res.type: res.block}


def compile_policy(idx: Index, res: Res) -> list[dict[str, Any]]:
    policy = require(idx.context.policy, res, "the policy decision point (OPA)")
    name = dns_name("cloudkernel", res.type, res.name, limit=253)
    return [obj("v1", "ConfigMap",
                metadata(res, name, namespace=policy.namespace, component="policy-data",
                         extra_labels=dict(policy.data_label),
                         extra_annotations={"openpolicyagent.org/data-path": f"cloudkernel/{res.type}s/{res.name}"}),
                data={f"{res.type}-{res.name}.json": json.dumps(_entry(res), sort_keys=True, indent=2)})]
