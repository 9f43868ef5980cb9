"""Cross-layer wiring: every reference one layer makes to another resolves, in the plan of every stack.

The cloud kernel, the core kernel (objects and Helm release values) and the user-space compiler are each
tested on their own; this module checks the seams between them on the whole offline plan: an HTTPRoute's
Gateway and listener, a NetworkPolicy's peers, the labels kube-prometheus-stack and kube-mgmt select on,
secret stores, everything a pod template names (service account, priority class, node pool, volumes,
Secrets and ConfigMaps), Argo's service accounts and the IAM roles behind annotated service accounts.

Each check is a small pure helper returning the unresolved references as readable strings (empty when all
resolve); each helper has a synthetic negative test that breaks one reference on a copy of the plan.

A few labels are set by third-party charts and controllers, not by this repository; they are written down
here (`ENVOY_PROXY_POD_LABELS`, `CHART_SERVICES`, `KUBE_MGMT_*`, ...) from the upstream sources of the
pinned versions and cannot be verified offline.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.conftest import PLATFORM_STACKS as STACKS

Obj = dict[str, Any]

# ----- what third-party charts and controllers do (inferred from their sources, not in the plan) --------

# Envoy Gateway labels every proxy pod it creates for a Gateway (internal/infrastructure/kubernetes/proxy:
# envoyLabels + the owning-gateway labels), in the controller's namespace (default deployment mode).
def envoy_proxy_pod_labels(gateway: Obj) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "envoy",
        "app.kubernetes.io/component": "proxy",
        "app.kubernetes.io/managed-by": "envoy-gateway",
        "gateway.envoyproxy.io/owning-gateway-name": gateway["metadata"]["name"],
        "gateway.envoyproxy.io/owning-gateway-namespace": gateway["metadata"]["namespace"],
    }


# The Envoy Gateway controller's own pods (gateway-helm chart): they never proxy traffic to backends.
ENVOY_CONTROLLER_POD_LABELS = {"app.kubernetes.io/name": "gateway-helm", "control-plane": "envoy-gateway"}
# EKS CoreDNS pods (the coredns add-on) in kube-system.
COREDNS = ("kube-system", {"k8s-app": "kube-dns", "eks.amazonaws.com/component": "coredns"})
# Prometheus pods created by the Prometheus operator for kube-prometheus-stack.
PROMETHEUS_POD_LABELS = {"app.kubernetes.io/name": "prometheus", "prometheus": "kube-prometheus-stack-prometheus"}
# Namespaces that exist in every cluster without the plan creating them.
BUILTIN_NAMESPACES = {"kube-system", "default", "kube-public", "kube-node-lease"}
# kube-mgmt (the sidecar of the `opa` Deployment): `--enable-data` loads ConfigMaps labelled
# openpolicyagent.org/data=opa, `--enable-policies` those labelled openpolicyagent.org/policy=rego, in `--namespaces`.
KUBE_MGMT_DATA_LABEL = ("openpolicyagent.org/data", "opa")
KUBE_MGMT_POLICY_LABEL = ("openpolicyagent.org/policy", "rego")


def chart_services(releases: list[Obj]) -> dict[tuple[str, str], set[int]]:
    """Services the charts create that routes may point at: (namespace, name) -> ports."""
    out: dict[tuple[str, str], set[int]] = {}
    for release in releases:
        values, ns = release["values"] or {}, release["namespace"]
        if release["chart"] == "argo-workflows":  # templates/server/server-service.yaml, servicePort 2746
            out[(ns, f"{values.get('fullnameOverride', release['name'])}-server")] = {2746}
        if release["chart"] == "lakekeeper":
            out[(ns, values.get("fullnameOverride", "lakekeeper"))] = {8181}
    return out


def chart_service_accounts(releases: list[Obj]) -> dict[tuple[str, str], Obj]:
    """Service accounts the charts create (`serviceAccount: {create, name, annotations}` values)."""
    out: dict[tuple[str, str], Obj] = {}
    for release in releases:
        sa = (release["values"] or {}).get("serviceAccount") or {}
        if sa.get("create") and sa.get("name"):
            out[(release["namespace"], sa["name"])] = {
                "apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": sa["name"], "namespace": release["namespace"],
                             "annotations": dict(sa.get("annotations") or {})},
                "chart": release["chart"],
            }
    return out


# ----- plan access --------------------------------------------------------------------------------------


def releases_of(resources: list[Obj]) -> list[Obj]:
    out = []
    for r in resources:
        if r["type"] == "kubernetes:helm.sh/v3:Release":
            inputs = r["inputs"]
            out.append({"name": inputs.get("name") or r["name"], "chart": inputs["chart"].rsplit("/", 1)[-1],
                        "namespace": inputs.get("namespace"), "values": inputs.get("values") or {}})
    return out


def release(releases: list[Obj], chart: str) -> Obj | None:
    return next((r for r in releases if r["chart"] == chart), None)


def kinds(objects: list[Obj], *names: str) -> list[Obj]:
    return [o for o in objects if o.get("kind") in names]


def ref(o: Obj) -> str:
    ns = o["metadata"].get("namespace")
    return f"{o['kind']} {ns + '/' if ns else ''}{o['metadata']['name']}"


def namespace_labels(objects: list[Obj]) -> dict[str, dict[str, str]]:
    """Namespace -> labels, with the `kubernetes.io/metadata.name` label the API server adds."""
    out = {n: {"kubernetes.io/metadata.name": n} for n in BUILTIN_NAMESPACES}
    for ns in kinds(objects, "Namespace"):
        name = ns["metadata"]["name"]
        out[name] = {**(ns["metadata"].get("labels") or {}), "kubernetes.io/metadata.name": name}
    return out


def selects(selector: Obj | None, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (matchLabels + matchExpressions); `{}` selects everything."""
    if selector is None:
        return False
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, vals = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in vals:
            return False
        if op == "NotIn" and key in labels and labels[key] in vals:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


# ----- 1. HTTPRoutes -> Gateway listeners and backend Services ------------------------------------------


def _hostnames_intersect(listener: str | None, route: list[str]) -> bool:
    if not listener or not route:
        return True

    def match(pattern: str, host: str) -> bool:
        if pattern.startswith("*."):  # a wildcard matches one or more labels, never the bare suffix
            return host.endswith(pattern[1:]) and host != pattern[2:]
        return pattern == host

    return any(match(listener, h) or match(h, listener) or h == listener for h in route)


def route_problems(objects: list[Obj], releases: list[Obj]) -> list[str]:
    ns_labels = namespace_labels(objects)
    gateways = {(g["metadata"]["namespace"], g["metadata"]["name"]): g for g in kinds(objects, "Gateway")}
    services = {(s["metadata"]["namespace"], s["metadata"]["name"]): {p["port"] for p in s["spec"].get("ports", [])}
                for s in kinds(objects, "Service") if s.get("apiVersion") == "v1"}
    services.update(chart_services(releases))
    problems = []
    for route in kinds(objects, "HTTPRoute"):
        rns = route["metadata"]["namespace"]
        hosts = route["spec"].get("hostnames") or []
        for parent in route["spec"].get("parentRefs", []):
            key = (parent.get("namespace", rns), parent["name"])
            gateway = gateways.get(key)
            if gateway is None:
                problems.append(f"{ref(route)}: parentRef Gateway {key[0]}/{key[1]} does not exist")
                continue
            listeners = [l for l in gateway["spec"]["listeners"]
                         if parent.get("sectionName") in (None, l["name"])]
            if not listeners:
                problems.append(f"{ref(route)}: Gateway {key[0]}/{key[1]} has no listener {parent['sectionName']!r}")
                continue
            for listener in listeners:
                allowed = (listener.get("allowedRoutes") or {}).get("namespaces") or {"from": "Same"}
                frm = allowed.get("from", "Same")
                if frm == "Same" and rns != key[0] or frm == "Selector" and not selects(
                        allowed.get("selector"), ns_labels.get(rns, {})):
                    problems.append(f"{ref(route)}: namespace {rns} (labels {ns_labels.get(rns)}) is not allowed "
                                    f"by listener {listener['name']!r} of Gateway {key[0]}/{key[1]} ({allowed})")
                if not _hostnames_intersect(listener.get("hostname"), hosts):
                    problems.append(f"{ref(route)}: hostnames {hosts} do not match listener "
                                    f"{listener['name']!r} hostname {listener.get('hostname')!r}")
        for rule in route["spec"].get("rules", []):
            for backend in rule.get("backendRefs", []):
                if backend.get("kind", "Service") != "Service":
                    continue
                bkey = (backend.get("namespace", rns), backend["name"])
                if bkey[0] != rns:
                    problems.append(f"{ref(route)}: backend {bkey} is in another namespace (needs a ReferenceGrant)")
                ports = services.get(bkey)
                if ports is None:
                    problems.append(f"{ref(route)}: backend Service {bkey[0]}/{bkey[1]} does not exist")
                elif backend.get("port") not in ports:
                    problems.append(f"{ref(route)}: backend Service {bkey[0]}/{bkey[1]} has no port "
                                    f"{backend.get('port')} (ports {sorted(ports)})")
    return problems


# ----- 2. NetworkPolicies ---------------------------------------------------------------------------------


def _peer_admits(peer: Obj, own_ns: str, src_ns: str, src_ns_labels: dict[str, str], pod: dict[str, str]) -> bool:
    if "ipBlock" in peer:
        return False  # in-cluster pod traffic is matched by selectors, not by 0.0.0.0/0 (pod IPs: CNI-specific)
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], src_ns_labels):
            return False
    elif src_ns != own_ns:
        return False
    return selects(peer.get("podSelector", {}), pod)


def _port_ok(rule_ports: list[Obj] | None, port: int | None, protocol: str = "TCP") -> bool:
    if not rule_ports or port is None:
        return True
    return any(p.get("port") in (None, port) and p.get("protocol", "TCP") == protocol for p in rule_ports)


def allowed(objects: list[Obj], direction: str, own_ns: str, own_pod: dict[str, str], peer_ns: str,
            peer_pod: dict[str, str], port: int | None, protocol: str = "TCP") -> bool:
    """Whether the NetworkPolicies of `own_ns` let `own_pod` receive from (Ingress) / send to (Egress) a peer.
    A pod no policy of that direction selects is unrestricted."""
    ns_labels = namespace_labels(objects)
    key = "ingress" if direction == "Ingress" else "egress"
    peers_key = "from" if key == "ingress" else "to"
    policies = [p for p in kinds(objects, "NetworkPolicy") if p["metadata"]["namespace"] == own_ns
                and direction in p["spec"].get("policyTypes", []) and selects(p["spec"].get("podSelector", {}), own_pod)]
    if not policies:
        return True
    for policy in policies:
        for rule in policy["spec"].get(key) or []:
            if not _port_ok(rule.get("ports"), port, protocol):
                continue
            peers = rule.get(peers_key)
            if peers is None or any(_peer_admits(pe, own_ns, peer_ns, ns_labels.get(peer_ns, {}), peer_pod)
                                    for pe in peers):
                return True
    return False


def connection_problems(objects: list[Obj], src: tuple[str, dict[str, str]], dst: tuple[str, dict[str, str]],
                        port: int | None, what: str, protocol: str = "TCP") -> list[str]:
    out = []
    if not allowed(objects, "Egress", src[0], src[1], dst[0], dst[1], port, protocol):
        out.append(f"{what}: egress from {src[0]} pods {src[1]} to {dst[0]} pods {dst[1]} port {port} is not allowed")
    if not allowed(objects, "Ingress", dst[0], dst[1], src[0], src[1], port, protocol):
        out.append(f"{what}: ingress to {dst[0]} pods {dst[1]} port {port} from {src[0]} pods {src[1]} is not allowed")
    return out


def workspace_namespaces(objects: list[Obj]) -> list[str]:
    return sorted(n for n, labels in namespace_labels(objects).items() if labels.get("cloud-kernel.io/workspace") == "true")


def _pods_behind_service(objects: list[Obj], ns: str, name: str, port: int) -> list[tuple[dict[str, str], int]]:
    """(pod labels, container port) of the pod templates a Service in the plan selects."""
    svc = next((s for s in kinds(objects, "Service") if s.get("apiVersion") == "v1"
                and s["metadata"]["namespace"] == ns and s["metadata"]["name"] == name), None)
    if svc is None:
        return []
    sport = next((p for p in svc["spec"]["ports"] if p["port"] == port), None)
    out = []
    for pod_ns, labels, spec, _ in pod_templates(objects):
        if pod_ns != ns or not selects({"matchLabels": svc["spec"].get("selector") or {}}, labels):
            continue
        target = sport.get("targetPort", port) if sport else port
        if isinstance(target, str):
            target = next((cp["containerPort"] for c in spec.get("containers", []) for cp in c.get("ports", [])
                           if cp.get("name") == target), None)
        out.append((labels, target))
    return out


def gateway_path_problems(objects: list[Obj]) -> list[str]:
    """Every HTTPRoute backend whose pods are in the plan is reachable from the Gateway's Envoy proxies, and
    a gateway rule admits only the proxies (not the Envoy Gateway controller, not every pod of its namespace)."""
    problems = []
    gateways = {(g["metadata"]["namespace"], g["metadata"]["name"]): g for g in kinds(objects, "Gateway")}
    for route in kinds(objects, "HTTPRoute"):
        rns = route["metadata"]["namespace"]
        for parent in route["spec"].get("parentRefs", []):
            gateway = gateways.get((parent.get("namespace", rns), parent["name"]))
            if gateway is None:
                continue
            proxy = (gateway["metadata"]["namespace"], envoy_proxy_pod_labels(gateway))
            for rule in route["spec"].get("rules", []):
                for backend in rule.get("backendRefs", []):
                    for labels, target in _pods_behind_service(objects, rns, backend["name"], backend["port"]):
                        problems += connection_problems(objects, proxy, (rns, labels), target,
                                                        f"{ref(route)} -> Service {backend['name']}")
                        controller = (gateway["metadata"]["namespace"], ENVOY_CONTROLLER_POD_LABELS)
                        if allowed(objects, "Ingress", rns, labels, *controller, target) and any(
                                p["metadata"]["namespace"] == rns and "Ingress" in p["spec"].get("policyTypes", [])
                                for p in kinds(objects, "NetworkPolicy")):
                            problems.append(f"{ref(route)} -> Service {backend['name']}: the ingress rule for the "
                                            f"gateway admits any pod of {proxy[0]} (e.g. the Envoy Gateway "
                                            f"controller), not only the proxy pods {proxy[1]}")
    return problems


SVC_DNS = re.compile(r"\b([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?(:(\d+))?")


def platform_service_problems(objects: list[Obj], releases: list[Obj], postgres_ports: set[int]) -> list[str]:
    """Workspaces reach what they use: CoreDNS everywhere; every in-cluster `<svc>.<ns>.svc[:port]` a workspace
    pod (or a ConfigMap it mounts) names, both ways (its egress, the platform namespace's ingress); the
    platform Postgres port when they have an allow-postgres policy."""
    problems = []
    services = chart_services(releases)
    ns_labels = namespace_labels(objects)
    pod_labels_of_service = {  # chart services: the pods the chart's Service selects (inferred)
        ("iceberg-catalog", "lakekeeper"): {"app.kubernetes.io/name": "lakekeeper"},
        ("opa", "opa"): {"app": "opa"},
    }
    configmaps = {(c["metadata"]["namespace"], c["metadata"]["name"]): c for c in kinds(objects, "ConfigMap")}
    for ws in workspace_namespaces(objects):
        problems += connection_problems(objects, (ws, {}), COREDNS, 53, f"workspace {ws} -> CoreDNS", "UDP")
        for pod_ns, labels, spec, where in pod_templates(objects):
            if pod_ns != ws:
                continue
            text = json.dumps(spec)
            for vol in spec.get("volumes", []):
                if "configMap" in vol and (ws, vol["configMap"]["name"]) in configmaps:
                    text += json.dumps(configmaps[(ws, vol["configMap"]["name"])].get("data"))
            for m in SVC_DNS.finditer(text):
                svc, ns, port = m.group(1), m.group(3), m.group(7)
                if ns not in ns_labels or ns == ws:
                    continue
                ports = services.get((ns, svc))
                port_n = int(port) if port else (min(ports) if ports else None)
                target_pods = pod_labels_of_service.get((ns, svc), {})
                target_port = 8181 if (ns, svc) in pod_labels_of_service else port_n  # container ports
                problems += connection_problems(objects, (ws, labels), (ns, target_pods), target_port,
                                                f"{where} -> {svc}.{ns}.svc")
    for policy in kinds(objects, "NetworkPolicy"):  # workspaces and the catalog
        if policy["metadata"]["name"] != "allow-postgres":
            continue
        ports = {p["port"] for rule in policy["spec"].get("egress", []) for p in rule.get("ports", [])}
        if ports != postgres_ports:
            problems.append(f"{ref(policy)}: egress ports {sorted(ports)} != platform Postgres ports "
                            f"{sorted(postgres_ports)}")
    return problems


def database_reachability_problems(resources: list[Obj]) -> list[str]:
    """Cloud side of the Postgres path: each RDS instance's security group admits its port from the security
    group the EKS cluster gives its nodes (the cluster SG: node launch templates must not replace it)."""
    by_urn = {r["urn"]: r for r in resources}
    rules = [r for r in resources if r["type"] == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"]
    problems = []
    for lt in (r for r in resources if r["type"] == "aws:ec2/launchTemplate:LaunchTemplate"):
        if lt["inputs"].get("vpcSecurityGroupIds") or lt["inputs"].get("networkInterfaces"):
            problems.append(f"{lt['name']}: sets its own security groups, so nodes lose the cluster security group")
    for db in (r for r in resources if r["type"] in ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster")):
        port, groups = db["inputs"].get("port"), set(db["inputs"].get("vpcSecurityGroupIds") or [])
        ok = [r for r in rules if r["inputs"].get("securityGroupId") in groups
              and (r["inputs"].get("fromPort") or 0) <= (port or -1) <= (r["inputs"].get("toPort") or 0)
              and r["inputs"].get("referencedSecurityGroupId")
              and any(by_urn[d]["type"] == "aws:eks/cluster:Cluster" for d in r["dependencies"] if d in by_urn)]
        if not ok:
            problems.append(f"{db['name']}: no ingress rule on its security groups {sorted(groups)} admits port "
                            f"{port} from the EKS cluster security group")
    return problems


def azure_database_reachability_problems(resources: list[Obj]) -> list[str]:
    """Cloud side of the Postgres path on Azure: each flexible server sits in a subnet whose NSG admits its port
    from the subnet every AKS node pool runs in (CNI overlay: pod traffic leaves with the node's address)."""
    subnets = {r["inputs"]["subnetName"]: r["inputs"] for r in resources if r["type"] == "azure-native:network:Subnet"}
    nsgs = {r["inputs"]["networkSecurityGroupName"]: r["inputs"] for r in resources
            if r["type"] == "azure-native:network:NetworkSecurityGroup"}
    pools = [r["inputs"].get("vnetSubnetID", "") for r in resources if r["type"] == "azure-native:containerservice:AgentPool"]
    for cluster in (r for r in resources if r["type"] == "azure-native:containerservice:ManagedCluster"):
        pools += [p.get("vnetSubnetID", "") for p in cluster["inputs"].get("agentPoolProfiles") or []]
    node_prefixes = {subnets[s.rsplit("/", 1)[-1]]["addressPrefix"] for s in pools if s.rsplit("/", 1)[-1] in subnets}
    problems = [] if node_prefixes or not pools else ["AKS node pools run in no subnet of the plan"]
    for server in (r for r in resources if r["type"] == "azure-native:dbforpostgresql:Server"):
        subnet = subnets.get(server["inputs"]["network"]["delegatedSubnetResourceId"].rsplit("/", 1)[-1], {})
        nsg = nsgs.get((subnet.get("networkSecurityGroup") or {}).get("id", "").rsplit("/", 1)[-1], {})
        admitted = {rule["sourceAddressPrefix"] for rule in nsg.get("securityRules") or []
                    if rule["access"] == "Allow" and rule["direction"] == "Inbound" and rule["destinationPortRange"] in ("5432", "*")}
        missing = sorted(node_prefixes - admitted)
        if not subnet or missing:
            problems.append(f"{server['name']}: its subnet's NSG does not admit 5432 from the node subnets {missing or '?'}")
    return problems


def dangling_selector_problems(objects: list[Obj]) -> list[str]:
    """Every namespaceSelector naming a namespace by `kubernetes.io/metadata.name` names one that exists, and
    every other non-empty namespaceSelector selects at least one namespace."""
    ns_labels = namespace_labels(objects)
    problems = []
    for policy in kinds(objects, "NetworkPolicy"):
        for rule in (policy["spec"].get("ingress") or []) + (policy["spec"].get("egress") or []):
            for peer in (rule.get("from") or []) + (rule.get("to") or []):
                sel = peer.get("namespaceSelector")
                if sel and not any(selects(sel, labels) for labels in ns_labels.values()):
                    problems.append(f"{ref(policy)}: namespaceSelector {sel} selects no namespace")
    return problems


# ----- 3. Monitoring objects <-> kube-prometheus-stack selectors -------------------------------------------

MONITORING_KINDS = {  # kind -> (Prometheus/Alertmanager spec, selector key, namespace selector key)
    "PrometheusRule": ("prometheus", "ruleSelector", "ruleNamespaceSelector"),
    "ServiceMonitor": ("prometheus", "serviceMonitorSelector", "serviceMonitorNamespaceSelector"),
    "PodMonitor": ("prometheus", "podMonitorSelector", "podMonitorNamespaceSelector"),
    "Probe": ("prometheus", "probeSelector", "probeNamespaceSelector"),
    "AlertmanagerConfig": ("alertmanager", "alertmanagerConfigSelector", "alertmanagerConfigNamespaceSelector"),
}

# Monitors the charts would create (values path of the enable flag, values path of their labels, kind). All are
# off (ours replace them, `apply_monitors`, and are checked here as objects); kept so one switched on is checked too.
CHART_MONITORS: dict[str, list[tuple[str, str, str]]] = {
    "cert-manager": [("prometheus.servicemonitor.enabled", "prometheus.servicemonitor.labels", "ServiceMonitor")],
    "external-secrets": [("serviceMonitor.enabled", "serviceMonitor.additionalLabels", "ServiceMonitor")],
    "argo-workflows": [("controller.serviceMonitor.enabled", "controller.serviceMonitor.additionalLabels",
                        "ServiceMonitor")],
    "spark-operator": [("prometheus.podMonitor.create", "prometheus.podMonitor.labels", "PodMonitor")],
}


def _dig(values: Obj, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(values, dict):
            return None
        values = values.get(part)
    return values


def monitoring_problems(objects: list[Obj], releases: list[Obj]) -> list[str]:
    stack = release(releases, "kube-prometheus-stack")
    candidates: list[tuple[str, str, str, dict[str, str]]] = [  # (what, kind, namespace, labels)
        (ref(o), o["kind"], o["metadata"]["namespace"], o["metadata"].get("labels") or {})
        for o in objects if o.get("kind") in MONITORING_KINDS]
    for r in releases:
        for enabled, labels, kind in CHART_MONITORS.get(r["chart"], []):
            if _dig(r["values"], enabled):
                candidates.append((f"{kind} of the {r['chart']} release", kind, r["namespace"],
                                   _dig(r["values"], labels) or {}))
    if not candidates:
        return []
    if stack is None:
        return [f"{what}: no kube-prometheus-stack release in the plan" for what, *_ in candidates]
    ns_labels = namespace_labels(objects)
    problems = []
    for what, kind, ns, labels in candidates:
        component, sel_key, ns_key = MONITORING_KINDS[kind]
        spec = _dig(stack["values"], f"{component}.{component}Spec") or {}
        selector, ns_selector = spec.get(sel_key), spec.get(ns_key)
        # Chart defaults: an unset selector means "this release's label" unless ...SelectorNilUsesHelmValues
        # is false; we require the values to say it explicitly.
        if selector is None:
            problems.append(f"{what}: kube-prometheus-stack values set no {component}Spec.{sel_key}")
        elif not selects(selector, labels):
            problems.append(f"{what}: labels {labels} do not match {component}Spec.{sel_key} {selector}")
        if ns_selector is None:
            if ns != stack["namespace"]:
                problems.append(f"{what}: in namespace {ns}, but {component}Spec.{ns_key} is unset (own namespace only)")
        elif not selects(ns_selector, ns_labels.get(ns, {"kubernetes.io/metadata.name": ns})):
            problems.append(f"{what}: namespace {ns} is not selected by {component}Spec.{ns_key} {ns_selector}")
    return problems


# ----- 4. External Secrets stores, OPA data ConfigMaps -----------------------------------------------------


def external_secret_problems(objects: list[Obj]) -> list[str]:
    ns_labels = namespace_labels(objects)
    stores = {("ClusterSecretStore", None, s["metadata"]["name"]): s for s in kinds(objects, "ClusterSecretStore")}
    stores.update({("SecretStore", s["metadata"]["namespace"], s["metadata"]["name"]): s
                   for s in kinds(objects, "SecretStore")})
    problems = []
    for es in kinds(objects, "ExternalSecret"):
        ns = es["metadata"]["namespace"]
        store_ref = es["spec"].get("secretStoreRef") or {}
        kind = store_ref.get("kind", "SecretStore")
        store = stores.get((kind, ns if kind == "SecretStore" else None, store_ref.get("name")))
        if store is None:
            problems.append(f"{ref(es)}: {kind} {store_ref.get('name')!r} does not exist"
                            + (f" in {ns}" if kind == "SecretStore" else ""))
            continue
        conditions = store["spec"].get("conditions")
        if conditions and not any(
                ns in (c.get("namespaces") or []) or selects(c.get("namespaceSelector"), ns_labels.get(ns, {}))
                for c in conditions):
            problems.append(f"{ref(es)}: namespace {ns} is not admitted by the conditions of {ref(store)}")
    return problems


def kube_mgmt_flags(objects: list[Obj]) -> tuple[str, dict[str, str]] | None:
    """(namespace, {flag: value}) of the kube-mgmt container of the plan, None when there is none."""
    for deployment in kinds(objects, "Deployment"):
        for container in deployment["spec"]["template"]["spec"].get("containers") or []:
            args = container.get("args") or []
            if any(a.startswith("--opa-url=") for a in args):
                flags = dict(a.removeprefix("--").partition("=")[::2] for a in args if a.startswith("--"))
                return deployment["metadata"]["namespace"], flags
    return None


def opa_data_problems(objects: list[Obj], releases: list[Obj]) -> list[str]:
    candidates = [c for c in kinds(objects, "ConfigMap")
                  if {KUBE_MGMT_DATA_LABEL[0], KUBE_MGMT_POLICY_LABEL[0]} & set(c["metadata"].get("labels") or {})
                  or c["metadata"].get("labels", {}).get("cloudkernel.io/resource-type") in ("policy", "grant")]
    if not candidates:
        return []
    mgmt = kube_mgmt_flags(objects)
    if mgmt is None:
        return [f"{ref(c)}: OPA data, but no kube-mgmt container in the plan" for c in candidates]
    namespace, flags = mgmt
    watched = set(flags.get("namespaces", namespace).split(","))
    problems = []
    for cm in candidates:
        labels = cm["metadata"].get("labels") or {}
        is_policy = KUBE_MGMT_POLICY_LABEL[0] in labels
        key, value = KUBE_MGMT_POLICY_LABEL if is_policy else KUBE_MGMT_DATA_LABEL
        switch = "policies" if is_policy else "data"
        if flags.get(f"enable-{switch}") != "true":
            problems.append(f"{ref(cm)}: kube-mgmt does not load {switch} (--enable-{switch})")
        if labels.get(key) != value:
            problems.append(f"{ref(cm)}: label {key}={labels.get(key)!r}, kube-mgmt loads {key}={value}")
        if cm["metadata"]["namespace"] not in watched:
            problems.append(f"{ref(cm)}: kube-mgmt watches namespaces {sorted(watched)} only")
    return problems


# ----- 5. Pod templates -------------------------------------------------------------------------------------


def _argo_pod_specs(o: Obj, wf_spec: Obj, where: str) -> Iterator[tuple[str, dict[str, str], Obj, str]]:
    ns = o["metadata"]["namespace"]
    defaults = {k: wf_spec[k] for k in ("nodeSelector", "tolerations", "volumes", "imagePullSecrets",
                                         "securityContext") if k in wf_spec}
    labels = dict((wf_spec.get("podMetadata") or {}).get("labels") or {})
    for t in wf_spec.get("templates", []):
        if "container" in t or "script" in t or "containerSet" in t:
            spec = {**defaults, **{k: t[k] for k in ("nodeSelector", "tolerations", "volumes") if k in t}}
            spec["containers"] = [t.get("container") or t.get("script")] if ("container" in t or "script" in t) \
                else t["containerSet"].get("containers", [])
            spec["serviceAccountName"] = t.get("serviceAccountName", wf_spec.get("serviceAccountName", "default"))
            spec["priorityClassName"] = t.get("priorityClassName", wf_spec.get("podPriorityClassName"))
            spec["initContainers"] = t.get("initContainers", [])
            yield ns, {**labels, **((t.get("metadata") or {}).get("labels") or {})}, spec, f"{where} template {t['name']}"
        manifest = (t.get("resource") or {}).get("manifest")
        if manifest:
            inner = yaml.safe_load(manifest)
            inner.setdefault("metadata", {}).setdefault("namespace", ns)
            inner["metadata"].setdefault("name", inner["metadata"].get("generateName", "generated"))
            yield from pod_templates([inner], where=f"{where} template {t['name']}: ")


def pod_templates(objects: list[Obj], where: str = "") -> Iterator[tuple[str, dict[str, str], Obj, str]]:
    """(namespace, pod labels, pod spec, description) of every pod the plan's objects will create."""
    for o in objects:
        kind, ns = o.get("kind"), o["metadata"].get("namespace")
        if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"):
            t = o["spec"]["template"]
            yield ns, (t.get("metadata") or {}).get("labels") or {}, t["spec"], where + ref(o)
        elif kind == "CronJob":
            t = o["spec"]["jobTemplate"]["spec"]["template"]
            yield ns, (t.get("metadata") or {}).get("labels") or {}, t["spec"], where + ref(o)
        elif kind in ("Workflow", "WorkflowTemplate") and o["apiVersion"].startswith("argoproj.io/"):
            yield from _argo_pod_specs(o, o["spec"], where + ref(o))
        elif kind == "CronWorkflow":
            yield from _argo_pod_specs(o, o["spec"]["workflowSpec"], where + ref(o))
        elif kind in ("SparkApplication", "ScheduledSparkApplication"):
            spec = o["spec"] if kind == "SparkApplication" else o["spec"]["template"]
            for role in ("driver", "executor"):
                r = spec.get(role) or {}
                pod = {"serviceAccountName": r.get("serviceAccount", "default" if role == "executor" else None),
                       "priorityClassName": r.get("priorityClassName"), "nodeSelector": r.get("nodeSelector"),
                       "tolerations": r.get("tolerations"), "volumes": spec.get("volumes", []),
                       "containers": [{"name": "spark-kubernetes-" + role, "env": r.get("env", []),
                                       "envFrom": r.get("envFrom", []), "volumeMounts": r.get("volumeMounts", [])}]}
                if role == "executor":  # executors run as the driver's service account unless told otherwise
                    pod["serviceAccountName"] = r.get("serviceAccount") or (spec.get("driver") or {}).get("serviceAccount")
                yield ns, r.get("labels") or {}, pod, f"{where}{ref(o)} {role}"


def _secret_keys(objects: list[Obj]) -> dict[tuple[str, str], set[str] | None]:
    """Secrets that will exist: (namespace, name) -> keys (None when not knowable from the plan)."""
    out: dict[tuple[str, str], set[str] | None] = {}
    for s in kinds(objects, "Secret"):
        if s.get("apiVersion") == "v1":
            fields = [s.get("data") or {}, s.get("stringData") or {}]
            # A Secret's data is redacted ("[secret]") in the plan when it holds secret Outputs: keys unknown.
            keys = set().union(*fields) if all(isinstance(f, dict) for f in fields) else None
            out[(s["metadata"]["namespace"], s["metadata"]["name"])] = keys
    for cert in kinds(objects, "Certificate"):  # cert-manager writes the key pair into spec.secretName
        out[(cert["metadata"]["namespace"], cert["spec"]["secretName"])] = {"tls.crt", "tls.key", "ca.crt"}
    for es in kinds(objects, "ExternalSecret"):
        target = es["spec"].get("target") or {}
        template = target.get("template") or {}
        keys = {d["secretKey"] for d in es["spec"].get("data") or []}
        if template.get("data") is not None:
            keys = set(template["data"]) | (keys if template.get("mergePolicy") == "Merge" else set())
        known = not es["spec"].get("dataFrom") and not template.get("templateFrom")
        out[(es["metadata"]["namespace"], target.get("name") or es["metadata"]["name"])] = keys if known else None
    return out


def pod_problems(objects: list[Obj], releases: list[Obj], node_pools: dict[str, Any]) -> list[str]:
    accounts = {(s["metadata"]["namespace"], s["metadata"]["name"]) for s in kinds(objects, "ServiceAccount")}
    accounts |= set(chart_service_accounts(releases))
    priority = {p["metadata"]["name"] for p in kinds(objects, "PriorityClass")} | {
        "system-cluster-critical", "system-node-critical"}
    storage = {s["metadata"]["name"] for s in kinds(objects, "StorageClass")}
    pvcs = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in kinds(objects, "PersistentVolumeClaim")}
    configmaps = {(c["metadata"]["namespace"], c["metadata"]["name"]): set(c.get("data") or {}) | set(c.get("binaryData") or {})
                  for c in kinds(objects, "ConfigMap")}
    secrets = _secret_keys(objects)
    problems = []
    for pvc in pvcs.values():
        sc = pvc["spec"].get("storageClassName")
        if sc is not None and sc != "" and sc not in storage:
            problems.append(f"{ref(pvc)}: StorageClass {sc!r} does not exist (known: {sorted(storage)})")
    for ns, _, spec, where in pod_templates(objects):
        sa = spec.get("serviceAccountName") or "default"
        if sa != "default" and (ns, sa) not in accounts:
            problems.append(f"{where}: ServiceAccount {ns}/{sa} does not exist")
        pc = spec.get("priorityClassName")
        if pc and pc not in priority:
            problems.append(f"{where}: PriorityClass {pc!r} does not exist (known: {sorted(priority)})")
        selector = spec.get("nodeSelector") or {}
        tolerations = spec.get("tolerations") or []
        fits = [name for name, pool in node_pools.items()
                if all(pool.labels.get(k) == v for k, v in selector.items())
                and all(_tolerated(t, tolerations) for t in pool.taints if t.effect != "PreferNoSchedule")]
        if not fits:
            problems.append(f"{where}: no node pool has labels {selector} with taints its tolerations "
                            f"{tolerations} cover (pools: " + ", ".join(
                                f"{n} {p.labels} {[(t.key, t.value, t.effect) for t in p.taints]}"
                                for n, p in node_pools.items()) + ")")

        def need(kind: str, name: str, key: str | None, optional: bool, what: str) -> None:
            table = configmaps if kind == "ConfigMap" else secrets
            if (ns, name) not in table:
                if not optional:
                    problems.append(f"{where}: {what} {kind} {ns}/{name} does not exist (nor an ExternalSecret target)")
            elif key is not None and table[(ns, name)] is not None and key not in table[(ns, name)] and not optional:
                problems.append(f"{where}: {what} {kind} {ns}/{name} has no key {key!r} "
                                f"(keys: {sorted(table[(ns, name)])})")

        for vol in spec.get("volumes") or []:
            if "configMap" in vol:
                cm = vol["configMap"]
                for item in cm.get("items") or [None]:
                    need("ConfigMap", cm["name"], item and item["key"], cm.get("optional", False), f"volume {vol['name']}:")
            if "secret" in vol:
                sec = vol["secret"]
                for item in sec.get("items") or [None]:
                    need("Secret", sec["secretName"], item and item["key"], sec.get("optional", False), f"volume {vol['name']}:")
            if "persistentVolumeClaim" in vol and (ns, vol["persistentVolumeClaim"]["claimName"]) not in pvcs:
                problems.append(f"{where}: volume {vol['name']}: PersistentVolumeClaim "
                                f"{ns}/{vol['persistentVolumeClaim']['claimName']} does not exist")
        for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
            for env in c.get("env") or []:
                src = env.get("valueFrom") or {}
                for kind, key in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
                    if key in src:
                        need(kind, src[key]["name"], src[key]["key"], src[key].get("optional", False),
                             f"container {c['name']} env {env['name']}:")
            for env_from in c.get("envFrom") or []:
                for kind, key in (("Secret", "secretRef"), ("ConfigMap", "configMapRef")):
                    if key in env_from:
                        need(kind, env_from[key]["name"], None, env_from[key].get("optional", False),
                             f"container {c['name']} envFrom:")
    return problems


def _tolerated(taint: Any, tolerations: list[Obj]) -> bool:
    for t in tolerations:
        if t.get("effect") not in (None, "", taint.effect):
            continue
        if t.get("operator") == "Exists" and t.get("key") in (None, "", taint.key):
            return True
        if t.get("key") == taint.key and t.get("operator", "Equal") == "Equal" and t.get("value", "") == taint.value:
            return True
    return False


# ----- 6. Argo Workflows and the Spark operator ----------------------------------------------------------


def _role_allows(objects: list[Obj], ns: str, sa: str, group: str, resource: str, verbs: set[str]) -> bool:
    roles = {(r["kind"], r["metadata"].get("namespace"), r["metadata"]["name"]): r for r in kinds(objects, "Role", "ClusterRole")}
    granted: set[str] = set()
    for binding in kinds(objects, "RoleBinding", "ClusterRoleBinding"):
        bns = binding["metadata"].get("namespace")
        if binding["kind"] == "RoleBinding" and bns != ns:
            continue
        if not any(s.get("kind") == "ServiceAccount" and s["name"] == sa and s.get("namespace", bns) == ns
                   for s in binding.get("subjects") or []):
            continue
        rr = binding["roleRef"]
        role = roles.get((rr["kind"], bns if rr["kind"] == "Role" else None, rr["name"]))
        for rule in (role or {}).get("rules", []):
            if set(rule.get("apiGroups", [])) & {group, "*"} and set(rule.get("resources", [])) & {resource, "*"}:
                granted |= set(rule.get("verbs", []))
    return "*" in granted or verbs <= granted


def workflow_problems(objects: list[Obj], releases: list[Obj]) -> list[str]:
    problems = []
    argo = release(releases, "argo-workflows")
    spark = release(releases, "spark-operator")
    for o in kinds(objects, "Workflow", "CronWorkflow", "WorkflowTemplate"):
        if not o["apiVersion"].startswith("argoproj.io/"):
            continue
        ns = o["metadata"]["namespace"]
        spec = o["spec"]["workflowSpec"] if o["kind"] == "CronWorkflow" else o["spec"]
        if argo is None:
            problems.append(f"{ref(o)}: no argo-workflows release in the plan")
            continue
        values = argo["values"]
        watched = set((values.get("controller") or {}).get("workflowNamespaces") or [])
        if values.get("singleNamespace") and ns != argo["namespace"] or watched and ns not in watched:
            problems.append(f"{ref(o)}: the Argo controller does not watch namespace {ns}")
        executor = (spec.get("executor") or {}).get("serviceAccountName") or spec.get("serviceAccountName") or "default"
        if not _role_allows(objects, ns, executor, "argoproj.io", "workflowtaskresults", {"create", "patch"}):
            problems.append(f"{ref(o)}: executor ServiceAccount {ns}/{executor} may not create/patch workflowtaskresults")
        if spec.get("automountServiceAccountToken") is False and not (spec.get("executor") or {}).get("serviceAccountName"):
            problems.append(f"{ref(o)}: automountServiceAccountToken is false but no executor.serviceAccountName is set")
        for t in spec.get("templates", []):
            manifest = (t.get("resource") or {}).get("manifest")
            if not manifest:
                continue
            inner = yaml.safe_load(manifest)
            group, _, _ = inner["apiVersion"].partition("/")
            resource = inner["kind"].lower() + "s"
            action = t["resource"].get("action", "create")
            if not _role_allows(objects, ns, executor, group, resource, {action, "get"}):
                problems.append(f"{ref(o)} template {t['name']}: executor {ns}/{executor} may not {action}/get {resource}")
            if inner["kind"] == "SparkApplication":
                job_ns = set(((spark or {}).get("values") or {}).get("spark", {}).get("jobNamespaces") or ["default"])
                if spark is None or not ({"", ns} & job_ns):
                    problems.append(f"{ref(o)} template {t['name']}: the Spark operator does not watch {ns} "
                                    f"(spark.jobNamespaces {sorted(job_ns)})")
                driver_sa = (inner["spec"].get("driver") or {}).get("serviceAccount")
                if not driver_sa or not _role_allows(objects, ns, driver_sa, "", "pods", {"create", "delete", "list", "watch"}):
                    problems.append(f"{ref(o)} template {t['name']}: Spark driver ServiceAccount {ns}/{driver_sa} "
                                    "may not manage executor pods")
    return problems


# ----- 7. Workload identities -> IAM roles ---------------------------------------------------------------

ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"


def _trust_subjects(role: Obj) -> set[str]:
    policy = role["inputs"].get("assumeRolePolicy")
    policy = json.loads(policy) if isinstance(policy, str) else policy or {}
    subs: set[str] = set()
    for stmt in policy.get("Statement", []):
        for cond in (stmt.get("Condition") or {}).values():
            for key, value in cond.items():
                if key.endswith(":sub"):
                    subs |= set([value] if isinstance(value, str) else value)
    return subs


def identity_problems(objects: list[Obj], releases: list[Obj], resources: list[Obj], outputs: Obj) -> list[str]:
    roles = {r["name"]: r for r in resources if r["type"] == "aws:iam/role:Role"}
    arn_to_role: dict[str, str] = {}
    for arn in (outputs.get("identities") or {}).values():
        role_name = arn.rsplit("/", 1)[-1]
        match = [n for n in roles if role_name == n or re.fullmatch(re.escape(n) + r"-[0-9a-f]{7}", role_name)]
        if len(match) == 1:
            arn_to_role[arn] = match[0]
    accounts = list(kinds(objects, "ServiceAccount")) + list(chart_service_accounts(releases).values())
    problems = []
    for sa in accounts:
        arn = (sa["metadata"].get("annotations") or {}).get(ROLE_ARN_ANNOTATION)
        if arn is None:
            continue
        ns, name = sa["metadata"]["namespace"], sa["metadata"]["name"]
        what = f"ServiceAccount {ns}/{name}" + (f" (created by the {sa['chart']} chart)" if "chart" in sa else "")
        role = arn_to_role.get(arn)
        if role is None:
            role_name = arn.rsplit("/", 1)[-1]
            match = [n for n in roles if re.fullmatch(re.escape(n) + r"-[0-9a-f]{7}", role_name)]
            role = match[0] if len(match) == 1 else None
        if role is None:
            problems.append(f"{what}: {ROLE_ARN_ANNOTATION} {arn} names no IAM role in the plan")
            continue
        subs = _trust_subjects(roles[role])
        if subs != {f"system:serviceaccount:{ns}:{name}"}:
            problems.append(f"{what}: IAM role {role} trusts {sorted(subs)}, not exactly system:serviceaccount:{ns}:{name}")
    return problems + azure_identity_problems(accounts, resources, outputs)


CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"


def azure_identity_problems(accounts: list[Obj], resources: list[Obj], outputs: Obj) -> list[str]:
    """AKS: a service account's client-id names a managed identity of the stack (the contract's identities map
    request names to client IDs) whose only federated credential is for exactly that service account."""
    by_client = {client: name for name, client in (outputs.get("identities") or {}).items()}
    federations: dict[str, list[str]] = {}
    for r in resources:
        if r["type"] == "azure-native:managedidentity:FederatedIdentityCredential":
            federations.setdefault(r["parent"], []).append(r["inputs"].get("subject"))
    parents = {r["name"]: r["urn"] for r in resources if r["type"] == "cloud-kernel:azure:WorkloadIdentity"}
    problems = []
    for sa in accounts:
        client = (sa["metadata"].get("annotations") or {}).get(CLIENT_ID_ANNOTATION)
        if client is None:
            continue
        ns, name = sa["metadata"]["namespace"], sa["metadata"]["name"]
        identity = by_client.get(client)
        if identity is None:
            problems.append(f"ServiceAccount {ns}/{name}: {CLIENT_ID_ANNOTATION} {client} names no identity of the stack")
            continue
        subjects = federations.get(parents.get(f"cloud-identity-{identity}", ""), [])
        if subjects != [f"system:serviceaccount:{ns}:{name}"]:
            problems.append(f"ServiceAccount {ns}/{name}: identity {identity} is federated with {subjects}, "
                            f"not exactly system:serviceaccount:{ns}:{name}")
    return problems


GCP_SA_ANNOTATION = "iam.gke.io/gcp-service-account"


def gcp_identity_problems(objects: list[Obj], releases: list[Obj], resources: list[Obj]) -> list[str]:
    """GKE Workload Identity: a service account annotated with a Google service account names one the plan
    creates, and that account lets exactly this Kubernetes service account impersonate it."""
    accounts = {f"{r['inputs']['accountId']}@{r['inputs']['project']}.iam.gserviceaccount.com": r
                for r in resources if r["type"] == "gcp:serviceaccount/account:Account"}
    trusted: dict[str, set[str]] = {}
    for b in resources:
        if b["type"] == "gcp:serviceaccount/iAMMember:IAMMember" and b["inputs"].get("role") == "roles/iam.workloadIdentityUser":
            email = str(b["inputs"].get("serviceAccountId", "")).rsplit("/", 1)[-1]
            trusted.setdefault(email, set()).add(re.sub(r"^serviceAccount:[^\[]*", "", b["inputs"]["member"]))
    problems = []
    for sa in list(kinds(objects, "ServiceAccount")) + list(chart_service_accounts(releases).values()):
        email = (sa["metadata"].get("annotations") or {}).get(GCP_SA_ANNOTATION)
        if email is None:
            continue
        ns, name = sa["metadata"]["namespace"], sa["metadata"]["name"]
        what = f"ServiceAccount {ns}/{name}" + (f" (created by the {sa['chart']} chart)" if "chart" in sa else "")
        if email not in accounts:
            problems.append(f"{what}: {GCP_SA_ANNOTATION} {email} names no Google service account in the plan")
        elif trusted.get(email, set()) != {f"[{ns}/{name}]"}:
            problems.append(f"{what}: {email} trusts {sorted(trusted.get(email, set()))}, not exactly [{ns}/{name}]")
    return problems


# ----- the tests over every stack ----------------------------------------------------------------------------


def _context(plan: Any) -> tuple[list[Obj], list[Obj]]:
    return plan.kubernetes, releases_of(plan.resources)


def _fail(problems: list[str]) -> str:
    return "unresolved cross-layer references:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("stack", STACKS)
def test_http_routes_attach_to_listeners_and_reach_services(stack_plan, stack: str) -> None:
    objects, releases = _context(stack_plan(stack))
    assert kinds(objects, "HTTPRoute"), "the example workspaces expose at least one service"
    problems = route_problems(objects, releases)
    assert problems == [], _fail(problems)


@pytest.mark.parametrize("stack", STACKS)
def test_gateway_proxies_reach_route_backends_and_only_they_are_admitted(stack_plan, stack: str) -> None:
    objects, _ = _context(stack_plan(stack))
    problems = gateway_path_problems(objects)
    assert problems == [], _fail(problems)


@pytest.mark.parametrize("stack", STACKS)
def test_workspaces_reach_dns_and_the_platform_services_they_name(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    objects, releases = _context(plan)
    assert workspace_namespaces(objects)
    ports = {db["port"] for db in (plan.outputs.get("postgres") or {}).values()}
    problems = platform_service_problems(objects, releases, ports) + dangling_selector_problems(objects)
    problems += database_reachability_problems(plan.resources) + azure_database_reachability_problems(plan.resources)
    assert problems == [], _fail(problems)


@pytest.mark.parametrize("stack", STACKS)
def test_monitoring_objects_are_selected_by_kube_prometheus_stack(stack_plan, stack: str) -> None:
    objects, releases = _context(stack_plan(stack))
    problems = monitoring_problems(objects, releases)
    assert problems == [], _fail(problems)


@pytest.mark.parametrize("stack", STACKS)
def test_external_secrets_name_a_store_that_admits_them(stack_plan, stack: str) -> None:
    objects, _ = _context(stack_plan(stack))
    assert kinds(objects, "ExternalSecret")
    problems = external_secret_problems(objects)
    assert problems == [], _fail(problems)


@pytest.mark.parametrize("stack", STACKS)
def test_opa_data_configmaps_are_loaded_by_kube_mgmt(stack_plan, stack: str) -> None:
    objects, releases = _context(stack_plan(stack))
    problems = opa_data_problems(objects, releases)
    assert problems == [], _fail(problems)


@pytest.mark.parametrize("stack", STACKS)
def test_pod_templates_reference_what_exists(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    objects, releases = _context(plan)
    assert sum(1 for _ in pod_templates(objects)) >= 5
    problems = pod_problems(objects, releases, plan.config.cloud.node_pools)
    assert problems == [], _fail(problems)


@pytest.mark.parametrize("stack", STACKS)
def test_workflows_run_where_argo_and_spark_watch_with_the_rbac_they_need(stack_plan, stack: str) -> None:
    objects, releases = _context(stack_plan(stack))
    problems = workflow_problems(objects, releases)
    assert problems == [], _fail(problems)


@pytest.mark.parametrize("stack", STACKS)
def test_annotated_service_accounts_name_a_role_that_trusts_exactly_them(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    objects, releases = _context(plan)
    problems = identity_problems(objects, releases, plan.resources, plan.outputs)
    problems += gcp_identity_problems(objects, releases, plan.resources)
    assert problems == [], _fail(problems)
    annotated = [sa for sa in list(kinds(objects, "ServiceAccount")) + list(chart_service_accounts(releases).values())
                 if set(sa["metadata"].get("annotations") or {}) & {ROLE_ARN_ANNOTATION, GCP_SA_ANNOTATION, CLIENT_ID_ANNOTATION}]
    assert len(annotated) >= 3, "the catalog, External Secrets and each workspace runner have a cloud identity"


# ----- 8. Lakehouse warehouses -> the cloud kernel's buckets ---------------------------------------------


def lakehouse_problems(objects: list[Obj], bucket_names: set[str]) -> list[str]:
    """A warehouse the compiler asks the catalog to create sits on a lakehouse bucket of this stack (the
    catalog's identity may use it) or brings its own storage credential."""
    problems = []
    for cm in kinds(objects, "ConfigMap"):
        body = (cm.get("data") or {}).get("warehouse.json")
        if body is None:
            continue
        request = json.loads(body)
        profile = request.get("storage-profile") or {}
        bucket = profile.get("bucket") or profile.get("account-name")  # S3/GCS bucket, ADLS storage account
        credential = request.get("storage-credential") or {}
        if bucket in bucket_names:
            continue
        where = f"{ref(cm)}: warehouse {request.get('warehouse-name')!r} is on bucket {bucket!r}, which is not a lakehouse bucket of this stack ({sorted(bucket_names)})"
        if not credential:
            problems.append(f"{where}, and has no storage credential")
        elif str(credential.get("credential-type", "")).endswith("-system-identity"):
            problems.append(f"{where}, yet it uses the catalog's identity, which may only reach the stack's buckets")
    return problems


@pytest.mark.parametrize("stack", STACKS)
def test_lakehouse_warehouses_sit_on_a_bucket_of_the_stack(stack_plan, stack: str) -> None:
    plan = stack_plan(stack)
    buckets = {b["bucket"] for b in (plan.outputs.get("lakehouse") or {}).values()}
    problems = lakehouse_problems(plan.kubernetes, buckets)
    assert not problems, _fail(problems)


# ----- negative tests: each helper reports a deliberately broken reference --------------------------------


@pytest.fixture(scope="module")
def dev(stack_plan) -> Any:
    return stack_plan("dev-aws")


def _copy(dev: Any) -> tuple[list[Obj], list[Obj]]:
    return copy.deepcopy(dev.kubernetes), copy.deepcopy(releases_of(dev.resources))


def _one(objects: list[Obj], kind: str, namespace: str | None, name: str) -> Obj:
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"].get("namespace") == namespace
                and o["metadata"]["name"] == name]
    return found


def test_broken_route_references_are_reported(dev) -> None:
    objects, releases = _copy(dev)
    route = _one(objects, "HTTPRoute", "retail", "orders-api")
    route["spec"]["parentRefs"][0]["sectionName"] = "nope"
    route["spec"]["rules"][0]["backendRefs"][0]["port"] = 9999
    _one(objects, "HTTPRoute", "argo", "argo-server")["spec"]["hostnames"] = ["argo.elsewhere.example.org"]
    del _one(objects, "Namespace", None, "analytics")["metadata"]["labels"]["cloud-kernel.io/gateway-access"]
    for o in objects:
        if o["kind"] == "HTTPRoute" and o["metadata"]["name"] == "orders-api":
            explorer = copy.deepcopy(o)
            explorer["metadata"].update(namespace="analytics", name="explorer")
            explorer["spec"]["parentRefs"][0]["sectionName"] = "https"
            explorer["spec"]["rules"][0]["backendRefs"][0].update(name="explorer", port=8080)
    objects.append(explorer)
    problems = route_problems(objects, releases)
    assert any("has no listener 'nope'" in p for p in problems), problems
    assert any("orders-api has no port 9999" in p for p in problems), problems
    assert any("argo-server: hostnames ['argo.elsewhere.example.org'] do not match" in p for p in problems), problems
    assert any("HTTPRoute analytics/explorer: namespace analytics" in p and "is not allowed" in p for p in problems)


def test_broken_gateway_ingress_is_reported(dev) -> None:
    objects, _ = _copy(dev)
    policy = _one(objects, "NetworkPolicy", "retail", "allow-gateway")
    policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] = "envoy"
    problems = gateway_path_problems(objects)
    assert any("ingress to retail pods" in p and "from envoy-gateway-system" in p for p in problems), problems
    del policy["spec"]["ingress"][0]["from"][0]["podSelector"]  # the whole namespace: too broad
    assert any("admits any pod of envoy-gateway-system" in p for p in gateway_path_problems(objects))


def test_broken_platform_service_policies_are_reported(dev) -> None:
    objects, releases = _copy(dev)
    catalog = _one(objects, "NetworkPolicy", "iceberg-catalog", "allow-catalog-clients")
    catalog["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"] = {"cloud-kernel.io/workspace": "yes"}
    dns = _one(objects, "NetworkPolicy", "analytics", "allow-dns")
    dns["spec"]["egress"][0]["to"][0]["podSelector"]["matchLabels"] = {"k8s-app": "coredns"}
    problems = platform_service_problems(objects, releases, {5432, 6432}) + dangling_selector_problems(objects)
    assert any("ingress to iceberg-catalog pods" in p and "from retail" in p for p in problems), problems
    assert any("workspace analytics -> CoreDNS: egress" in p for p in problems), problems
    assert any("allow-postgres: egress ports [5432] != platform Postgres ports [5432, 6432]" in p for p in problems)
    assert any("selects no namespace" in p for p in problems), problems
    resources = copy.deepcopy(dev.resources)
    for r in resources:
        if r["type"] == "aws:rds/instance:Instance":
            r["inputs"]["port"] = 5433
    assert any("admits port 5433" in p for p in database_reachability_problems(resources))


def test_broken_monitoring_labels_are_reported(dev) -> None:
    objects, releases = _copy(dev)
    rule = next(o for o in objects if o["kind"] == "PrometheusRule")
    rule["metadata"]["labels"]["release"] = "prometheus"
    stack = release(releases, "kube-prometheus-stack")
    stack["values"]["alertmanager"]["alertmanagerSpec"]["alertmanagerConfigNamespaceSelector"] = {
        "matchLabels": {"cloud-kernel.io/service": "monitoring"}}
    _one(objects, "ServiceMonitor", "opa", "opa")["metadata"]["labels"].pop("release")
    problems = monitoring_problems(objects, releases)
    assert any(p.startswith(f"{ref(rule)}: labels") for p in problems), problems
    assert any("AlertmanagerConfig" in p and "is not selected by alertmanagerSpec" in p for p in problems), problems
    assert any(p.startswith(f"{ref(_one(objects, 'ServiceMonitor', 'opa', 'opa'))}: labels") for p in problems), problems


def test_broken_secret_store_reference_is_reported(dev) -> None:
    objects, _ = _copy(dev)
    es = _one(objects, "ExternalSecret", "retail", "orders-api-token")
    es["spec"]["secretStoreRef"]["kind"] = "SecretStore"
    store = next(o for o in objects if o["kind"] == "ClusterSecretStore")
    store["spec"]["conditions"] = [{"namespaces": ["system"]}]
    problems = external_secret_problems(objects)
    assert any("orders-api-token: SecretStore 'cloud-secret-manager' does not exist in retail" in p for p in problems)
    assert any("iceberg-catalog-db-admin: namespace iceberg-catalog is not admitted" in p for p in problems), problems


def test_broken_opa_data_wiring_is_reported(dev) -> None:
    objects, releases = _copy(dev)
    cm = _one(objects, "ConfigMap", "opa", "cloudkernel-policy-retail-readers")
    cm["metadata"]["labels"]["openpolicyagent.org/data"] = "true"
    mgmt = next(c for c in _one(objects, "Deployment", "opa", "opa")["spec"]["template"]["spec"]["containers"]
                if c["name"] == "mgmt")
    mgmt["args"] = [a if not a.startswith("--namespaces=") else "--namespaces=kube-system" for a in mgmt["args"]]
    problems = opa_data_problems(objects, releases)
    assert any("retail-readers: label openpolicyagent.org/data='true'" in p for p in problems), problems
    assert any("opa-platform-policy: kube-mgmt watches namespaces ['kube-system']" in p for p in problems), problems


def test_broken_pod_references_are_reported(dev) -> None:
    objects, releases = _copy(dev)
    deployment = _one(objects, "Deployment", "analytics", "explorer")
    pod = deployment["spec"]["template"]["spec"]
    pod.update(serviceAccountName="ghost", priorityClassName="urgent", tolerations=[])
    pod["volumes"] = [v for v in pod["volumes"] if "configMap" not in v] + [
        {"name": "cfg", "configMap": {"name": "missing-config"}}]
    _one(objects, "PersistentVolumeClaim", "analytics", "vol-scratch")["spec"]["storageClassName"] = "premium"
    api = _one(objects, "Deployment", "retail", "orders-api")["spec"]["template"]["spec"]
    api["containers"][0]["env"].append({"name": "X", "valueFrom": {"secretKeyRef": {"name": "orders-db-credentials",
                                                                                     "key": "token"}}})
    problems = pod_problems(objects, releases, dev.config.cloud.node_pools)
    assert any("explorer: ServiceAccount analytics/ghost does not exist" in p for p in problems), problems
    assert any("explorer: PriorityClass 'urgent' does not exist" in p for p in problems), problems
    assert any("explorer: no node pool has labels {'cloud-kernel.io/pool': 'batch'}" in p for p in problems), problems
    assert any("ConfigMap analytics/missing-config does not exist" in p for p in problems), problems
    assert any("vol-scratch: StorageClass 'premium' does not exist" in p for p in problems), problems
    assert any("Secret retail/orders-db-credentials has no key 'token'" in p for p in problems), problems


def test_broken_workflow_wiring_is_reported(dev) -> None:
    objects, releases = _copy(dev)
    release(releases, "argo-workflows")["values"]["controller"]["workflowNamespaces"] = ["argo"]
    role = _one(objects, "Role", "retail", "argo-executor")
    role["rules"] = [r for r in role["rules"] if "workflowtaskresults" not in r["resources"]]
    spark_role = _one(objects, "Role", "retail", "spark")
    spark_role["rules"][0]["verbs"] = ["get"]
    problems = workflow_problems(objects, releases)
    assert any("does not watch namespace retail" in p for p in problems), problems
    assert any("may not create/patch workflowtaskresults" in p for p in problems), problems
    assert any("Spark driver ServiceAccount retail/spark may not manage executor pods" in p for p in problems)


def test_broken_identity_is_reported(dev) -> None:
    objects, releases = _copy(dev)
    resources = copy.deepcopy(dev.resources)
    runner = _one(objects, "ServiceAccount", "analytics", "dataos-runner")
    runner["metadata"]["annotations"][ROLE_ARN_ANNOTATION] = "arn:aws:iam::123456789012:role/unknown-role-0000000"
    retail = next(r for r in resources if r["type"] == "aws:iam/role:Role" and r["name"] == "cloud-identity-ws-retail-role")
    retail["inputs"]["assumeRolePolicy"] = retail["inputs"]["assumeRolePolicy"].replace(
        "system:serviceaccount:retail:dataos-runner", "system:serviceaccount:retail:default")
    problems = identity_problems(objects, releases, resources, dev.outputs)
    assert any("analytics/dataos-runner: eks.amazonaws.com/role-arn arn:aws:iam::123456789012:role/unknown-role"
               in p for p in problems), problems
    assert any("retail/dataos-runner: IAM role cloud-identity-ws-retail-role trusts "
               "['system:serviceaccount:retail:default']" in p for p in problems), problems


def test_broken_gcp_identity_is_reported(stack_plan) -> None:
    plan = stack_plan("dev-gcp")
    objects, releases = copy.deepcopy(plan.kubernetes), copy.deepcopy(releases_of(plan.resources))
    resources = copy.deepcopy(plan.resources)
    runner = _one(objects, "ServiceAccount", "analytics", "dataos-runner")
    runner["metadata"]["annotations"][GCP_SA_ANNOTATION] = "unknown@cloud-kernel-dev.iam.gserviceaccount.com"
    binding = next(r for r in resources if r["type"] == "gcp:serviceaccount/iAMMember:IAMMember"
                   and r["name"] == "cloud-identity-ws-retail-workload-identity")
    binding["inputs"]["member"] = binding["inputs"]["member"].replace("[retail/dataos-runner]", "[retail/default]")
    problems = gcp_identity_problems(objects, releases, resources)
    assert any("analytics/dataos-runner: iam.gke.io/gcp-service-account unknown@cloud-kernel-dev" in p for p in problems), problems
    assert any("retail/dataos-runner:" in p and "trusts ['[retail/default]']" in p for p in problems), problems
    assert gcp_identity_problems(copy.deepcopy(plan.kubernetes), releases, plan.resources) == []


def test_broken_azure_identity_is_reported(stack_plan) -> None:
    plan = stack_plan("dev-azure")
    objects, releases = copy.deepcopy(plan.kubernetes), copy.deepcopy(releases_of(plan.resources))
    resources = copy.deepcopy(plan.resources)
    assert identity_problems(objects, releases, resources, plan.outputs) == []
    runner = _one(objects, "ServiceAccount", "analytics", "dataos-runner")
    runner["metadata"]["annotations"][CLIENT_ID_ANNOTATION] = "00000000-0000-0000-0000-000000000000"
    federation = next(r for r in resources if r["name"] == "cloud-identity-ws-retail-federation")
    federation["inputs"]["subject"] = "system:serviceaccount:retail:default"
    problems = identity_problems(objects, releases, resources, plan.outputs)
    assert any("analytics/dataos-runner: azure.workload.identity/client-id 00000000-0000-0000-0000-000000000000 "
               "names no identity" in p for p in problems), problems
    assert any("retail/dataos-runner: identity ws-retail is federated with ['system:serviceaccount:retail:default']"
               in p for p in problems), problems


def test_broken_azure_database_path_is_reported(stack_plan) -> None:
    resources = copy.deepcopy(stack_plan("prod-azure").resources)
    assert azure_database_reachability_problems(resources) == []
    nsg = next(r for r in resources if r["type"] == "azure-native:network:NetworkSecurityGroup"
               and r["inputs"]["networkSecurityGroupName"].endswith("-postgres"))
    nsg["inputs"]["securityRules"] = [r for r in nsg["inputs"]["securityRules"] if r["name"] != "allow-postgres-from-nodes"]
    problems = azure_database_reachability_problems(resources)
    assert problems == ["cloud-db-platform-server: its subnet's NSG does not admit 5432 from the node subnets ['10.50.0.0/19']"]


def test_broken_lakehouse_bucket_is_reported(dev) -> None:
    objects, _ = _copy(dev)
    problems = lakehouse_problems(objects, {"some-other-bucket"})
    assert any("warehouse 'retail-retaillake' is on bucket" in p for p in problems), problems
