"""The plan summary a platform engineer reads first, as data (`plan.json` "summary", `plan --json`) and as
lines that fit an 80-column CI log.

Per layer, what will be created (resources by type); then the cost-relevant facts (node pools with instance
types and sizes, databases with class, storage and HA, NAT gateways, load balancers); the protected
resources; and the policy rules checked, with their count and the findings.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from kernelctl.plan.assemble import LAYER_ORDER

if TYPE_CHECKING:
    from kernelctl.plan.runner import PlanResult

WIDTH = 80
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
DATABASE = "aws:rds/instance:Instance"
NAT = "aws:ec2/natGateway:NatGateway"
LOAD_BALANCER_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")


def _node_pools(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    pools = []
    for r in resources:
        if r["type"] == NODE_GROUP:
            inputs, scaling = r["inputs"], r["inputs"].get("scalingConfig") or {}
            pools.append({"name": r["name"], "instance_types": inputs.get("instanceTypes") or [],
                          "capacity": inputs.get("capacityType") or "ON_DEMAND", "min": scaling.get("minSize"),
                          "max": scaling.get("maxSize"), "desired": scaling.get("desiredSize")})
    return pools


def _databases(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": r["name"], "class": r["inputs"].get("instanceClass"), "engine": r["inputs"].get("engine"),
             "version": r["inputs"].get("engineVersion"), "storage_gb": r["inputs"].get("allocatedStorage"),
             "multi_az": bool(r["inputs"].get("multiAz"))} for r in resources if r["type"] == DATABASE]


def _load_balancers(result: PlanResult) -> list[str]:
    """Cloud load balancers the plan creates directly, and one per Gateway (Envoy Gateway provisions it)."""
    direct = [r["name"] for r in result.resources if r["type"] in LOAD_BALANCER_TYPES]
    services = [f"Service {o['metadata'].get('namespace', '')}/{o['metadata']['name']}" for o in result.kubernetes
                if o.get("kind") == "Service" and (o.get("spec") or {}).get("type") == "LoadBalancer"]
    gateways = [f"Gateway {o['metadata'].get('namespace', '')}/{o['metadata']['name']}" for o in result.kubernetes
                if o.get("kind") == "Gateway" and str(o.get("apiVersion", "")).startswith("gateway.networking.k8s.io")]
    return sorted(direct + services + gateways)


def plan_summary(result: PlanResult) -> dict[str, Any]:
    from policy.rules import RULES

    by_layer: dict[str, Counter[str]] = {}
    for r in result.resources:
        by_layer.setdefault(r["layer"] or "-", Counter())[r["type"]] += 1
    order = {layer: i for i, layer in enumerate(LAYER_ORDER)}
    checked = [rule.name for rule in RULES if not (rule.production_only and result.config.environment != "prod")]
    return {
        "layers": {layer: {"resources": sum(c.values()), "types": dict(sorted(c.items()))}
                   for layer, c in sorted(by_layer.items(), key=lambda kv: order.get(kv[0], 99))},
        "kubernetes_objects": len(result.kubernetes),
        "cost": {"node_pools": _node_pools(result.resources), "databases": _databases(result.resources),
                 "nat_gateways": sum(r["type"] == NAT for r in result.resources),
                 "load_balancers": _load_balancers(result)},
        "protected": sorted(r["name"] for r in result.resources if r["protect"]),
        "policy": {"rules_checked": len(checked), "rules": checked, "findings": len(result.policy),
                   "mandatory_failures": len(result.failed_mandatory_policies)},
    }


def _fit(text: str) -> str:
    return text if len(text) <= WIDTH else text[:WIDTH - 3] + "..."


def _short(type_token: str) -> str:
    return type_token.removeprefix("kubernetes:").replace("cloud-kernel:", "ck:")


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The summary as lines of at most 80 characters."""
    lines = []
    for layer, facts in summary["layers"].items():
        lines.append(f"{layer}: {facts['resources']} resources")
        lines += [_fit(f"  {count:>4}  {_short(t)}") for t, count in facts["types"].items()]
    cost = summary["cost"]
    lines.append("cost-relevant:")
    for p in cost["node_pools"]:
        lines.append(_fit(f"  node pool {p['name']}: {p['capacity'].lower()}, {p['min']}-{p['max']} nodes "
                          f"(desired {p['desired']}), {'/'.join(p['instance_types'])}"))
    for d in cost["databases"]:
        lines.append(_fit(f"  database {d['name']}: {d['class']} {d['storage_gb']} GB "
                          f"{'multi-AZ' if d['multi_az'] else 'single-AZ'}"))
    lines.append(f"  NAT gateways: {cost['nat_gateways']}")
    lines.append(_fit(f"  load balancers: {len(cost['load_balancers'])}"
                      + (f" ({', '.join(cost['load_balancers'])})" if cost["load_balancers"] else "")))
    lines.append(f"protected: {len(summary['protected'])}")
    lines += [_fit(f"  {name}") for name in summary["protected"]]
    policy = summary["policy"]
    lines.append(f"policy: {policy['rules_checked']} rules checked, {policy['findings']} finding(s), "
                 f"{policy['mandatory_failures']} mandatory")
    return lines
