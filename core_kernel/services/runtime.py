"""The Resource runtime (user_space/runtime): the operator that reconciles user space, deployed in the platform
namespace. Two replicas, one active (a coordination.k8s.io Lease), restricted pods with requests and limits,
a ServiceAccount bound to a ClusterRole limited to the kinds it reads and writes, a NetworkPolicy, a
PodDisruptionBudget and (with monitoring) a ServiceMonitor on its /metrics.

`runtime_objects` is pure (the objects as dicts); `Runtime` applies them. The kinds below are what the
user-space compiler emits; tests/unit/test_runtime_deployment.py checks that every compiled kind and every
Resource CRD is covered, so the role cannot silently fall behind the compiler.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from core_kernel import naming
from core_kernel.services.common import (MONITORING_API, PLATFORM_CRITICAL, BuildContext, _snake,
                                         container_security_context, k8s_opts, monitor_object, pod_security_context,
                                         resources)
from core_kernel.versions import RUNTIME_IMAGE

KEY = "platform"  # it lives in the platform namespace
NAME = "cloud-kernel-runtime"
GROUP = "kernel.cloudkernel.io"
METRICS_PORT = 8080
UID = 65532
LABELS = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/component": "runtime",
          "app.kubernetes.io/part-of": "cloud-kernel"}
WRITE = ["get", "list", "watch", "create", "patch", "update", "delete"]
#: The Resource CRDs' plurals (user_space/crds; the core kernel cannot import user space, a test keeps them equal).
RESOURCE_PLURALS = ["bundles", "clusters", "computes", "databases", "depots", "grants", "instancesecrets",
                    "lakehouses", "lenses", "monitors", "operators", "pagers", "policies", "resources", "secrets",
                    "services", "stacks", "volumes", "workers", "workflows", "workspaces"]

#: API group -> resources the runtime applies (server-side), watches for drift and prunes.
MANAGED: dict[str, list[str]] = {
    "": ["configmaps", "limitranges", "namespaces", "persistentvolumeclaims", "resourcequotas", "secrets",
         "serviceaccounts", "services"],
    "apps": ["deployments"],
    "argoproj.io": ["cronworkflows", "workflows"],
    "autoscaling": ["horizontalpodautoscalers"],
    "batch": ["jobs"],
    "external-secrets.io": ["externalsecrets"],
    "gateway.envoyproxy.io": ["securitypolicies"],
    "gateway.networking.k8s.io": ["httproutes"],
    "monitoring.coreos.com": ["alertmanagerconfigs", "prometheusrules"],
    "networking.k8s.io": ["networkpolicies"],
    "policy": ["poddisruptionbudgets"],
    "rbac.authorization.k8s.io": ["rolebindings", "roles"],
}
#: What the workspace Roles the runtime writes grant (Kubernetes lets a role writer grant only what it holds).
GRANTED: list[dict[str, Any]] = [
    {"apiGroups": ["argoproj.io"], "resources": ["workflowtaskresults"], "verbs": ["create", "patch"]},
    {"apiGroups": ["sparkoperator.k8s.io"], "resources": ["sparkapplications"],
     "verbs": ["create", "get", "list", "watch", "delete", "patch"]},
    {"apiGroups": [""], "resources": ["pods"],
     "verbs": ["create", "get", "list", "watch", "delete", "deletecollection", "patch", "update"]},
    {"apiGroups": [""], "resources": ["configmaps", "persistentvolumeclaims", "services"],
     "verbs": ["deletecollection"]},
]


def cluster_role_rules(resource_plurals: list[str]) -> list[dict[str, Any]]:
    """The runtime's ClusterRole: its own Resources (and their status and finalizers), the kinds it manages,
    binding the workspace roles, the events kopf posts."""
    rules = [
        {"apiGroups": [GROUP], "resources": sorted(resource_plurals), "verbs": ["get", "list", "watch", "patch", "update"]},
        {"apiGroups": [GROUP], "resources": sorted(f"{p}/status" for p in resource_plurals),
         "verbs": ["get", "patch", "update"]},
        {"apiGroups": [GROUP], "resources": sorted(f"{p}/finalizers" for p in resource_plurals), "verbs": ["update"]},
    ]
    rules += [{"apiGroups": [group], "resources": names, "verbs": WRITE} for group, names in sorted(MANAGED.items())]
    rules += GRANTED
    rules += [
        {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"],
         "resourceNames": ["edit", "view"]},
        {"apiGroups": ["", "events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch"]},
        # kopf rescans the served kinds when CRDs come and go (an add-on installed after the runtime).
        {"apiGroups": ["apiextensions.k8s.io"], "resources": ["customresourcedefinitions"],
         "verbs": ["get", "list", "watch"]},
    ]
    return rules


def _meta(name: str, namespace: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": dict(LABELS)}
    if namespace:
        meta["namespace"] = namespace
    return meta


def rbac_objects(namespace: str, resource_plurals: list[str]) -> list[dict[str, Any]]:
    subject = [{"kind": "ServiceAccount", "name": NAME, "namespace": namespace}]
    rbac = "rbac.authorization.k8s.io/v1"
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(NAME, namespace),
         "automountServiceAccountToken": True},
        {"apiVersion": rbac, "kind": "ClusterRole", "metadata": _meta(NAME), "rules": cluster_role_rules(resource_plurals)},
        {"apiVersion": rbac, "kind": "ClusterRoleBinding", "metadata": _meta(NAME),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NAME}, "subjects": subject},
        # The Lease and the platform context: only in its own namespace.
        {"apiVersion": rbac, "kind": "Role", "metadata": _meta(NAME, namespace), "rules": [
            {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]},
        ]},
        {"apiVersion": rbac, "kind": "RoleBinding", "metadata": _meta(NAME, namespace),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME}, "subjects": subject},
    ]


def deployment(namespace: str, image: str, placement: dict[str, Any] | None = None) -> dict[str, Any]:
    """Two replicas, one active (a Lease), on the system pool (`placement`) like every platform component."""
    env = [
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "RUNTIME_NAMESPACE", "value": namespace},
        {"name": "METRICS_PORT", "value": str(METRICS_PORT)},
        {"name": "LOG_LEVEL", "value": "INFO"},
    ]
    probe = {"httpGet": {"path": "/healthz", "port": "metrics"}, "periodSeconds": 10, "failureThreshold": 3}
    container = {
        # Always, like every platform container: a moved tag is noticed, a cached private image is never reused.
        "name": "runtime", "image": image, "imagePullPolicy": "Always", "env": env,
        "ports": [{"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"}],
        "resources": resources("100m", "256Mi", "1", "1Gi"),
        "securityContext": container_security_context(),
        "livenessProbe": probe, "readinessProbe": probe,
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    pod = {
        "serviceAccountName": NAME, "automountServiceAccountToken": True, "enableServiceLinks": False,
        "priorityClassName": PLATFORM_CRITICAL, "securityContext": pod_security_context(UID),
        # A stopping leader releases its Lease; the standby takes over within a renew period.
        "terminationGracePeriodSeconds": 30,
        "containers": [container], "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
        **(placement or {}),
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                                       "whenUnsatisfiable": "ScheduleAnyway",
                                       "labelSelector": {"matchLabels": dict(LABELS)}}],
    }
    meta = _meta(NAME, namespace)
    meta["annotations"] = {"checkov.io/skip1": "CKV_K8S_38=the runtime is an operator: it watches Resources and "
                                               "applies their objects through the API with its service-account token"}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": {
        "replicas": 2, "revisionHistoryLimit": 5, "selector": {"matchLabels": dict(LABELS)},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
        "template": {"metadata": {"labels": dict(LABELS)}, "spec": pod}}}


def network_policy(namespace: str, postgres_ports: list[int], monitoring_namespace: str | None) -> dict[str, Any]:
    """On top of the platform namespace's default deny, DNS and HTTPS egress (the API server): Postgres for
    Database migrations, and Prometheus scraping /metrics."""
    spec: dict[str, Any] = {"podSelector": {"matchLabels": dict(LABELS)}, "policyTypes": ["Ingress", "Egress"],
                            "ingress": [], "egress": []}
    if monitoring_namespace:
        spec["ingress"].append({"from": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": monitoring_namespace}}, "podSelector": {"matchLabels": {
                "app.kubernetes.io/name": "prometheus"}}}], "ports": [{"protocol": "TCP", "port": METRICS_PORT}]})
    if postgres_ports:
        spec["egress"].append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                               "ports": [{"protocol": "TCP", "port": p} for p in sorted(set(postgres_ports))]})
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": _meta(NAME, namespace),
            "spec": spec}


def runtime_objects(namespace: str, image: str, resource_plurals: list[str], postgres_ports: list[int],
                    monitoring: bool, placement: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    objects = rbac_objects(namespace, resource_plurals) + [deployment(namespace, image, placement)]
    objects.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(NAME, namespace),
                    "spec": {"minAvailable": 1, "selector": {"matchLabels": dict(LABELS)}}})
    objects.append(network_policy(namespace, postgres_ports, naming.NAMESPACES["monitoring"] if monitoring else None))
    objects.append({"apiVersion": "v1", "kind": "Service", "metadata": _meta(f"{NAME}-metrics", namespace),
                    "spec": {"selector": dict(LABELS), "ports": [
                        {"name": "metrics", "port": METRICS_PORT, "targetPort": "metrics", "protocol": "TCP"}]}})
    if monitoring:
        objects.append(monitor_object("ServiceMonitor", NAME, namespace, {
            "selector": {"matchLabels": dict(LABELS)},
            "endpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s"}]}, LABELS))
    return objects


_TYPED = {
    "ServiceAccount": k8s.core.v1.ServiceAccount, "Service": k8s.core.v1.Service,
    "ClusterRole": k8s.rbac.v1.ClusterRole, "ClusterRoleBinding": k8s.rbac.v1.ClusterRoleBinding,
    "Role": k8s.rbac.v1.Role, "RoleBinding": k8s.rbac.v1.RoleBinding, "Deployment": k8s.apps.v1.Deployment,
    "PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget, "NetworkPolicy": k8s.networking.v1.NetworkPolicy,
}


class Runtime(pulumi.ComponentResource):
    """`cloud-kernel:core:Runtime`: the runtime's objects in the platform namespace."""

    def __init__(self, name: str, ctx: BuildContext, opts: pulumi.ResourceOptions | None = None,
                 image: str = RUNTIME_IMAGE):
        super().__init__("cloud-kernel:core:Runtime", name, None, opts)
        namespace = naming.NAMESPACES[KEY]
        monitoring = naming.NAMESPACES["monitoring"] if ctx.monitoring else None
        ports = pulumi.Output.all(*[db.port for db in ctx.contract.postgres.values()])
        self.objects: dict[str, pulumi.Resource] = {}
        for obj in runtime_objects(namespace, image, RESOURCE_PLURALS, [], ctx.monitoring, ctx.placement):
            role = f"{obj['kind'].lower()}-{obj['metadata']['name']}"
            # Its ServiceMonitor alone waits for the monitoring release (the CRDs); nothing else of it needs that.
            monitor = obj["apiVersion"] == MONITORING_API
            opts_ = k8s_opts(self, ctx.contract, ctx.monitors_ready(KEY) if monitor else ctx.ready(KEY))
            fields = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
            if obj["kind"] == "NetworkPolicy":  # egress to the platform Postgres ports, known once deployed
                fields["spec"] = ports.apply(
                    lambda ps: network_policy(namespace, [int(p) for p in ps], monitoring)["spec"])
            cls = _TYPED.get(obj["kind"])
            if cls is None:  # the ServiceMonitor (prometheus-operator's CRD)
                self.objects[role] = k8s.apiextensions.CustomResource(
                    f"{name}-{role}", api_version=obj["apiVersion"], kind=obj["kind"], opts=opts_, **fields)
            else:
                self.objects[role] = cls(f"{name}-{role}", opts=opts_, **{_snake(k): v for k, v in fields.items()})
        self.register_outputs({"image": image, "objects": sorted(self.objects)})


