"""Workspaces -> namespace (Pod Security "restricted"), quota, limits, default-deny network policy with the
allows its Resources need, RBAC for its groups and the service accounts its pods run as.

Groups: `cloudkernel:workspace:<ws>:developers` get the built-in `edit` ClusterRole, `...:viewers` get
`view` (Kubernetes groups from the cluster's OIDC identity provider).
Service accounts: `dataos-runner` (every runnable; no token; the workspace's cloud identity annotation),
`argo-executor` (Argo's executor: writes WorkflowTaskResults; creates SparkApplications when Flare is used)
and `spark` (the Spark driver: manages its executor pods).
"""

from __future__ import annotations

from typing import Any

from core_kernel.context import PlatformContext, workload_identity_egress
from core_kernel.naming import WORKSPACE_RUNNER_SERVICE_ACCOUNT
from user_space.compiler.common import INSTANCE_WORKSPACE, LABEL_PREFIX, MANAGED_BY, Unsupported, label_value
from user_space.compiler.index import Index

RUNNER = WORKSPACE_RUNNER_SERVICE_ACCOUNT
EXECUTOR = "argo-executor"
SPARK = "spark"


def _meta(name: str, workspace: str, extra: dict[str, str] | None = None, cluster: bool = False) -> dict[str, Any]:
    labels = {"app.kubernetes.io/managed-by": MANAGED_BY, "app.kubernetes.io/part-of": label_value(workspace),
              f"{LABEL_PREFIX}/workspace": label_value(workspace), **(extra or {})}
    meta: dict[str, Any] = {"name": name, "labels": dict(sorted(labels.items()))}
    if not cluster:
        meta["namespace"] = workspace
    return meta


def _rule(groups: list[str], resources: list[str], verbs: list[str]) -> dict[str, Any]:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs}


def workspace_objects(idx: Index, workspace: str, extra_labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
    ctx = idx.context
    needs = idx.needs.get(workspace, set())
    level = ctx.workspaces.pod_security
    ns_labels = {f"pod-security.kubernetes.io/{mode}": level for mode in ("enforce", "audit", "warn")}
    ns_labels.update({f"pod-security.kubernetes.io/{mode}-version": "latest" for mode in ("enforce",)})
    # The labels the core kernel selects on: platform services admit workspace traffic, the Gateway admits routes.
    ns_labels.update(ctx.workspaces.namespace_labels)
    if ctx.gateway is not None:
        ns_labels.update(ctx.gateway.route_namespace_labels)
    ns_labels.update({k: label_value(v) for k, v in (extra_labels or {}).items()})
    out: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(workspace, workspace, ns_labels, cluster=True)},
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": _meta("workspace-quota", workspace),
         "spec": {"hard": dict(sorted(ctx.workspaces.resource_quota.items()))}},
        {"apiVersion": "v1", "kind": "LimitRange", "metadata": _meta("workspace-limits", workspace),
         "spec": {"limits": ctx.workspaces.limit_range}},
    ]
    runner_meta = _meta(RUNNER, workspace)
    identity = ctx.identity_for(workspace, RUNNER)
    if identity is not None:
        runner_meta["annotations"] = {ctx.workspaces.identity_annotation_key: identity.principal}
    elif workspace != INSTANCE_WORKSPACE:
        idx.notes.append(Unsupported(f"workspace:{workspace}", "the platform context has no cloud identity for this "
                                     "workspace's runner; its pods get no cloud access"))
    out.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": runner_meta,
                "automountServiceAccountToken": False})
    for role, cluster_role in (("developers", "edit"), ("viewers", "view")):
        out.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": _meta(f"workspace-{role}", workspace),
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_role},
                    "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                                  "name": f"cloudkernel:workspace:{workspace}:{role}"}]})
    if "workflows" in needs:
        rules = [_rule(["argoproj.io"], ["workflowtaskresults"], ["create", "patch"])]
        if "spark" in needs:
            rules.append(_rule(["sparkoperator.k8s.io"], ["sparkapplications"],
                               ["create", "get", "list", "watch", "delete", "patch"]))
        out += _account_with_role(workspace, EXECUTOR, rules)
    if "spark" in needs:
        out += _account_with_role(workspace, SPARK, [
            _rule([""], ["pods", "services", "configmaps", "persistentvolumeclaims"],
                  ["create", "get", "list", "watch", "delete", "deletecollection", "patch", "update"])])
    out += network_policies(ctx, workspace, needs)
    return out


def _account_with_role(workspace: str, name: str, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(name, workspace),
         "automountServiceAccountToken": False},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": _meta(name, workspace),
         "rules": rules},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": _meta(name, workspace),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
         "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": workspace}]},
    ]


def _ns(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def network_policies(ctx: PlatformContext, workspace: str, needs: set[str]) -> list[dict[str, Any]]:
    def policy(name: str, spec: dict[str, Any]) -> dict[str, Any]:
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": _meta(name, workspace), "spec": spec}

    out = [
        policy("default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        policy("allow-dns", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
            "to": [{**_ns("kube-system"), "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}),
        policy("allow-same-workspace", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
                                        "ingress": [{"from": [{"podSelector": {}}]}],
                                        "egress": [{"to": [{"podSelector": {}}]}]}),
    ]
    if ctx.monitoring is not None:
        out.append(policy("allow-prometheus-scrape", {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{
            "from": [{**_ns(ctx.monitoring.prometheus_namespace),
                      "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}]}]}))
    if "ingress" in needs and ctx.gateway is not None:
        out.append(policy("allow-gateway", {
            "podSelector": {"matchLabels": {"app.kubernetes.io/component": "service"}},
            "policyTypes": ["Ingress"], "ingress": [{"from": [{
                **_ns(ctx.gateway.namespace),
                "podSelector": {"matchLabels": dict(sorted(ctx.gateway.proxy_pod_labels.items()))}}]}]}))
    if "postgres" in needs and ctx.databases:
        ports = sorted({db.port for db in ctx.databases.values()})
        out.append(policy("allow-postgres", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
            "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": p} for p in ports]}]}))
    if needs & {"catalog", "spark", "trino"} and ctx.catalog is not None:
        out.append(policy("allow-catalog", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
            "to": [_ns(ctx.catalog.namespace)], "ports": [{"protocol": "TCP", "port": 8181}]}]}))
    if needs & {"catalog", "spark", "trino", "workflows"}:
        # Object storage (the lakehouse buckets) and the Kubernetes API (Argo executor, Spark driver): HTTPS.
        out.append(policy("allow-https-egress", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
            "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}]}))
        if workload_identity_egress(ctx.cloud):
            # The runner's cloud credentials come from the cloud's workload-identity endpoint (GKE metadata).
            out.append(policy("allow-workload-identity", {"podSelector": {}, "policyTypes": ["Egress"],
                                                           "egress": workload_identity_egress(ctx.cloud)}))
    return out
