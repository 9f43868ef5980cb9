"""The plan summary: per layer, cost-relevant facts, protected resources, policy rules; 80 columns; in plan.json."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from kernelctl.plan.report import plan_json, print_summary
from kernelctl.plan.summary import plan_summary


def test_prod_summary_names_what_costs_money_and_fits_80_columns(stack_plan, tmp_path: Path) -> None:
    result = stack_plan("prod-aws")
    summary = plan_summary(result)
    assert list(summary["layers"]) == ["cloud_kernel", "core_kernel", "user_space"]
    assert sum(layer["resources"] for layer in summary["layers"].values()) == len(result.resources)
    pools = {p["name"]: p for p in summary["cost"]["node_pools"]}
    assert pools and all(p["instance_types"] and p["max"] >= p["min"] for p in pools.values())
    (database,) = summary["cost"]["databases"]
    assert database["multi_az"] is True and database["class"].startswith("db.")
    assert summary["cost"]["nat_gateways"] == 3
    assert summary["cost"]["load_balancers"] == ["Gateway envoy-gateway-system/platform"]
    assert summary["protected"] and summary["policy"]["rules_checked"] >= 10
    assert json.loads(plan_json(result))["summary"] == json.loads(json.dumps(summary))

    text = io.StringIO()
    print_summary(result, Console(file=text, width=200), tmp_path)
    lines = text.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines[:-1]), [line for line in lines if len(line) > 80]
    assert any("multi-AZ" in line for line in lines) and any(line.startswith("  NAT gateways: 3") for line in lines)
    assert any(line.startswith("policy: ") and "rules checked" in line for line in lines)
