"""Monitor -> PrometheusRule; Pager -> AlertmanagerConfig.

Equation monitors on `prom` queries become one alerting rule: `(c1 * (ql1) + k1) <op> (c2 * (ql2) + k2)`;
report monitors on a Resource's runtime/status become a rule over the runtime metrics of the Resource
(`cloudkernel_resource_runtime{resource_id=..., value=...}` for runtime, `..._status` for status, exported by
the runtime operator). The incident's name/severity/type become labels, so a Pager's conditions on
`.properties.name`, `.properties.severity` and `.properties.incident_type` become Alertmanager matchers.
Trino/Postgres/Lens equation queries and stream monitors are reported unsupported.
"""

from __future__ import annotations

import re
from typing import Any

from user_space.compiler.common import Res, dns_name, metadata, obj, require
from user_space.compiler.index import Index

OPS = {"equals": "==", "not_equals": "!=", "greater_than": ">", "greater_than_equals": ">=",
       "less_than": "<", "less_than_equals": "<="}
PAGER_FIELDS = {".properties.name": "incident", ".properties.severity": "severity",
                ".properties.incident_type": "incident_type", ".properties.incidentType": "incident_type",
                ".name": "monitor", ".monitor.name": "monitor", ".workspace": "workspace"}


class MonitorUnsupported(Exception):
    pass


def _side(expr: dict[str, Any]) -> str:
    coefficient = float(expr.get("queryCoefficient", 1))
    constant = float(expr.get("queryConstant", 0))
    query = expr.get("query") or {}
    qtype = query.get("type", "static")
    if coefficient == 0 or qtype == "static" or not query.get("ql"):
        return _num(constant)
    if qtype != "prom":
        raise MonitorUnsupported(f"equation query type {qtype!r} (only prom and constants compile to Prometheus)")
    text = f"({query['ql']})"
    if coefficient != 1:
        text = f"{_num(coefficient)} * {text}"
    if constant:
        text = f"{text} + {_num(constant)}"
    return text


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _incident_labels(block: dict[str, Any], res: Res) -> dict[str, str]:
    incident = block.get("incident") or {}
    labels = {"incident": str(incident.get("name", res.name)), "severity": str(incident.get("severity", "warning")),
              "monitor": res.name, "workspace": res.workspace}
    itype = incident.get("incidentType", incident.get("incident_type"))
    if itype:
        labels["incident_type"] = str(itype)
    return dict(sorted(labels.items()))


def _report_expr(block: dict[str, Any]) -> str:
    report = block.get("report") or {}
    source = report.get("source") or {}
    instance = source.get("dataOsInstance") or source.get("dataOSInstance") or {}
    path = str(instance.get("path", ""))
    match = re.search(r"/reports/resources/(runtime|status)\?id=([^&\s]+)", path)
    if not match:
        raise MonitorUnsupported(f"report source path {path!r} is not a resource runtime/status report")
    kind, rid = match.groups()
    exprs = []
    for cond in report.get("conditions") or []:
        vc = cond.get("valueComparison")
        if not vc:
            raise MonitorUnsupported("durationComparison conditions are not compiled yet")
        op = vc.get("operator", "equals")
        if op not in ("equals", "not_equals"):
            raise MonitorUnsupported(f"report operator {op!r} on a {kind} value")
        matcher = "=" if op == "equals" else "!="
        metric = f"cloudkernel_resource_{vc.get('observationType', kind)}"
        exprs.append(f'{metric}{{resource_id="{rid}",value{matcher}"{vc.get("value")}"}} == 1')
    if not exprs:
        raise MonitorUnsupported("a report monitor without conditions")
    return " and ".join(f"({e})" for e in exprs)


def compile_monitor(idx: Index, res: Res) -> list[dict[str, Any]]:
    monitoring = require(idx.context.monitoring, res, "monitoring (Prometheus operator)")
    block = res.block
    mtype = block.get("type")
    if mtype == "equation_monitor":
        eq = block.get("equation") or {}
        expr = f"{_side(eq.get('leftExpression') or {})} {OPS[eq.get('operator', 'equals')]} " \
               f"{_side(eq.get('rightExpression') or {})}"
    elif mtype == "report_monitor":
        expr = _report_expr(block)
    else:
        raise MonitorUnsupported(f"monitor type {mtype!r}")
    incident = block.get("incident") or {}
    annotations = {"summary": f"{res.name}: {incident.get('name', 'incident')}",
                   "description": res.data.get("description") or f"Monitor {res.resource_id}",
                   "schedule": str(block.get("schedule", ""))}
    for key, value in sorted((block.get("properties") or {}).items()):
        annotations[f"property_{key}"] = str(value)
    rule = {"alert": dns_name(res.name), "expr": expr, "for": "0s",
            "labels": _incident_labels(block, res), "annotations": dict(sorted(annotations.items()))}
    return [obj("monitoring.coreos.com/v1", "PrometheusRule",
                metadata(res, dns_name(res.name, "monitor"), component="monitor",
                         extra_labels=dict(monitoring.selector_labels)),
                spec={"groups": [{"name": f"{res.workspace}.{res.name}", "interval": "1m", "rules": [rule]}]})]


def compile_pager(idx: Index, res: Res) -> list[dict[str, Any]]:
    monitoring = require(idx.context.monitoring, res, "monitoring (Alertmanager)")
    block = res.block
    matchers = [{"name": "workspace", "value": res.workspace, "matchType": "="}]
    for cond in block.get("conditions") or []:
        field = str(cond.get("valueJqFilter", "")).strip()
        if field not in PAGER_FIELDS:
            raise MonitorUnsupported(f"pager condition on {field!r} (supported: {', '.join(sorted(PAGER_FIELDS))})")
        matchers.append({"name": PAGER_FIELDS[field], "value": str(cond.get("value")), "matchType": "="})
    output = block.get("output") or {}
    receiver: dict[str, Any] = {"name": res.name}
    if output.get("email"):
        receiver["emailConfigs"] = [{"to": ", ".join(output["email"].get("emailTargets") or []),
                                     "sendResolved": False}]
    webhooks = []
    hook = output.get("webHook") or output.get("webhook")
    if hook:
        if str(hook.get("verb", "post")).lower() != "post":
            raise MonitorUnsupported("webhook verbs other than POST (Alertmanager posts)")
        webhooks.append({"url": hook["url"], "sendResolved": False})
    teams = output.get("msTeams")
    if teams:
        raise MonitorUnsupported("msTeams outputs need the webhook URL as a Secret; use webHook for now")
    if webhooks:
        receiver["webhookConfigs"] = webhooks
    if len(receiver) == 1:
        raise MonitorUnsupported("a pager without an email or webHook output")
    return [obj("monitoring.coreos.com/v1alpha1", "AlertmanagerConfig",
                metadata(res, dns_name(res.name, "pager"), component="pager",
                         extra_labels=dict(monitoring.selector_labels)),
                spec={"route": {"receiver": res.name, "matchers": matchers, "groupBy": ["incident", "monitor"],
                                "groupWait": "30s", "groupInterval": "5m", "repeatInterval": "4h"},
                      "receivers": [receiver]})]
