"""Shared plumbing of the core services: the build context, Helm releases, typed objects from dicts,
and the secure defaults every pod gets (restricted Pod Security, requests and limits, HA in prod)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from cloud_kernel.contracts import CloudKernelContract
from core_kernel import naming
from core_kernel.addons import SYSTEM_POOL
from core_kernel.context import tolerations_for
from core_kernel.scheduling import PRIORITY_CLASSES
from core_kernel.specs import CoreKernelSpec
from core_kernel.versions import CHARTS

PLATFORM_CRITICAL = PRIORITY_CLASSES["platform_critical"]
# No release renders a ServiceMonitor/PodMonitor: the charts with a switch for one have it off and `apply_monitors`
# writes theirs; gateway-helm and lakekeeper have no such switch, the add-ons' stay at their default (off).
MONITORING_API = "monitoring.coreos.com/v1"


@dataclass
class BuildContext:
    """What every service component needs; created once by `CoreKernel`."""

    spec: CoreKernelSpec
    contract: CloudKernelContract
    environment: str
    # Service key -> resources the service must wait for (its namespace and network policies).
    namespace_ready: dict[str, list[pulumi.Resource]] = field(default_factory=dict)
    # Resources everything waits for (priority classes, node pools from the contract).
    base_ready: list[pulumi.Resource] = field(default_factory=list)
    # The kube-prometheus-stack release, once created: our ServiceMonitors/PodMonitors wait for its CRDs.
    monitoring_release: pulumi.Resource | None = None
    # Releases later services build on: CRDs (Gateway API, cert-manager, External Secrets) and the issuer.
    gateway_release: pulumi.Resource | None = None
    cluster_issuer: pulumi.Resource | None = None
    cert_manager_release: pulumi.Resource | None = None
    secret_store: pulumi.Resource | None = None
    external_secrets_release: pulumi.Resource | None = None
    # The AWS Load Balancer Controller's release (AWS only): the Gateway object, whose NLB it manages, waits for it.
    load_balancer_controller: pulumi.Resource | None = None

    @property
    def production(self) -> bool:
        return self.environment == "prod"

    @property
    def replicas(self) -> int:
        """Two replicas (and a PodDisruptionBudget) in prod, one elsewhere."""
        return 2 if self.production else 1

    @property
    def monitoring(self) -> bool:
        return self.spec.monitoring.enabled

    @property
    def placement(self) -> dict[str, Any]:
        """nodeSelector and tolerations of the system pool (empty when the stack has none)."""
        return system_placement(self.contract)

    def ready(self, key: str, *extra: pulumi.Resource | None) -> list[pulumi.Resource]:
        """What a service's resources wait for, each edge for a reason: `base_ready` (the cluster's nodes: pods need
        one; the PriorityClasses: admission refuses an unknown priorityClassName), its namespace and
        NetworkPolicies (`namespace_ready`: the namespace must exist, deny-by-default before any pod), and the
        `extra` its caller names beside the call. Nothing else: other services start in parallel. No release waits
        for monitoring: the monitors of a service are our objects, each waiting on its own (`monitors_ready`)."""
        return [*self.base_ready, *self.namespace_ready.get(key, []), *(e for e in extra if e is not None)]

    def crds_ready(self, kind: str) -> list[pulumi.Resource]:
        """What an object of another release's `kind` waits for: the release installing its CRD, and a
        Certificate also the issuer that signs it. [] for a kind no release of ours defines."""
        waits = {"Certificate": [self.cert_manager_release, self.cluster_issuer],
                 "ServiceMonitor": [self.monitoring_release], "PodMonitor": [self.monitoring_release]}
        return [r for r in waits.get(kind, []) if r is not None]

    def monitors_ready(self, key: str, release: pulumi.Resource | None = None) -> list[pulumi.Resource]:
        """What a ServiceMonitor/PodMonitor of service `key` waits for: `ready(key)`, the kube-prometheus-stack
        release (`crds_ready`) and the `release` of the chart it replaces the monitor of (upgrading an install that
        had the chart's own, Helm deletes it before ours, of the same name, is made)."""
        return self.ready(key, *self.crds_ready("ServiceMonitor"), release)

    def identity_annotations(self, identity: str) -> pulumi.Input[dict[str, str]]:
        """Service-account annotations binding to a cloud identity of the contract ({} if it is missing)."""
        ident = self.contract.identities.get(identity)
        if ident is None:
            pulumi.log.warn(
                f"core kernel: the cloud contract has no identity {identity!r}; pass "
                "core_kernel.identities.identity_requests(...) to the cloud backend"
            )
            return {}
        return ident.annotations

    def identity_pod_labels(self, identity: str) -> dict[str, str]:
        """Pod labels the cloud's workload identity needs on pods of that service account ({} if none)."""
        ident = self.contract.identities.get(identity)
        return dict(ident.pod_labels) if ident is not None else {}


# ----- secure pod defaults ---------------------------------------------------------------------------------
def pod_security_context(uid: int = 65532, *, fs_group: bool = True) -> dict[str, Any]:
    context: dict[str, Any] = {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    if fs_group:
        context["fsGroup"] = uid
    return context


def container_security_context(*, read_only_root: bool = True) -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": read_only_root,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


# Chart key -> the values paths ("" = top level) of every component whose pods the chart lets us place.
SYSTEM_POOL_PATHS: dict[str, tuple[str, ...]] = {
    "certManager": ("", "webhook", "cainjector", "startupapicheck"),
    "externalSecrets": ("", "webhook", "certController"),
    "gateway": ("deployment.pod", "certgen.job"),
    "monitoring": (
        "prometheusOperator",
        "prometheusOperator.admissionWebhooks.patch",
        "prometheus.prometheusSpec",
        "alertmanager.alertmanagerSpec",
        "kube-state-metrics",
        "grafana",
    ),
    "workflows": ("controller", "server"),
    "spark": ("controller", "webhook", "hook"),
    "catalog": ("catalog", "openfga"),
    "loadBalancerController": ("",),
    "nodeAutoscaler": ("",),
    "metricsServer": ("",),
    "externalDns": ("",),
}


def with_placement(values: dict[str, Any], paths: tuple[str, ...], placement: dict[str, Any]) -> dict[str, Any]:
    """`values` with `placement` (nodeSelector, tolerations) merged in at each path; maps along a path are
    copied, nothing else (values hold Outputs)."""
    if not placement:
        return values

    def put(node: dict[str, Any], parts: list[str]) -> dict[str, Any]:
        if not parts:
            return {**node, **placement}
        return {**node, parts[0]: put(dict(node.get(parts[0]) or {}), parts[1:])}

    for path in paths:
        values = put(values, [p for p in path.split(".") if p])
    return values


def system_placement(contract: CloudKernelContract) -> dict[str, Any]:
    """`nodeSelector` and `tolerations` that keep a platform pod on the system pool, when the stack has one."""
    pool = contract.node_pools.get(SYSTEM_POOL)
    if pool is None:
        return {}
    return {"nodeSelector": dict(sorted(pool.labels.items())), "tolerations": tolerations_for(pool.taints)}


def resources(cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> dict[str, Any]:
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu_limit, "memory": memory_limit}}


def service_monitor_labels() -> dict[str, str]:
    return dict(naming.MONITORING_SELECTOR_LABELS)


def monitor_object(
    kind: str, name: str, namespace: str, spec: dict[str, Any], labels: dict[str, str] | None = None
) -> dict[str, Any]:
    """A ServiceMonitor or PodMonitor of ours, in `namespace`, with the labels Prometheus selects monitors by."""
    return {
        "apiVersion": MONITORING_API,
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {**(labels or {}), "app.kubernetes.io/part-of": "cloud-kernel", **service_monitor_labels()},
        },
        "spec": spec,
    }


# ----- resources -------------------------------------------------------------------------------------------
def k8s_opts(
    parent: pulumi.Resource,
    contract: CloudKernelContract,
    depends_on: list[pulumi.Resource] | None = None,
    **kwargs: Any,
) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(
        parent=parent, provider=contract.kubernetes_provider, depends_on=list(depends_on or []), **kwargs
    )


def helm_release(
    resource_name: str,
    key: str,
    release_name: str,
    namespace: str,
    values: dict[str, Any],
    opts: pulumi.ResourceOptions,
    placement: dict[str, Any] | None = None,
) -> k8s.helm.v3.Release:
    """A Helm release of the pinned chart `CHARTS[key]`, with a fixed release name (no random suffix); with a
    `placement`, every component of the chart runs on the system pool (`SYSTEM_POOL_PATHS`)."""
    chart = CHARTS[key]
    values = with_placement(values, SYSTEM_POOL_PATHS.get(key, ()), placement or {})
    return k8s.helm.v3.Release(
        resource_name,
        name=release_name,
        chart=chart.name,
        version=chart.version,
        repository_opts=None if chart.is_oci else k8s.helm.v3.RepositoryOptsArgs(repo=chart.repository),
        namespace=namespace,
        create_namespace=False,  # namespaces are ours: PSA labels and network policies come first
        values=values,
        atomic=True,
        cleanup_on_fail=True,
        max_history=10,
        timeout=900,
        opts=opts,
    )


def apply_monitors(
    parent: pulumi.Resource, name: str, ctx: BuildContext, key: str, release: pulumi.Resource,
    monitors: list[dict[str, Any]],
) -> list[pulumi.Resource]:
    """The monitors the chart of `release` would render, as our objects: a chart renders its own only once the
    monitoring CRDs exist (or fails without them), so its release would wait for the whole monitoring release,
    and everything behind it too. Ours wait for the monitoring release and the chart's (`monitors_ready`; leaves:
    nothing waits for them), the chart's release for neither; none without monitoring."""
    if not ctx.monitoring:
        return []
    return [apply_object(f"{name}-{m['kind'].lower()}-{m['metadata']['name']}", m,
                         k8s_opts(parent, ctx.contract, ctx.monitors_ready(key, release))) for m in monitors]


_BUILTIN = {
    ("v1", "Namespace"): k8s.core.v1.Namespace,
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("v1", "Secret"): k8s.core.v1.Secret,
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("v1", "Service"): k8s.core.v1.Service,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("batch/v1", "Job"): k8s.batch.v1.Job,
    ("batch/v1", "CronJob"): k8s.batch.v1.CronJob,
    ("policy/v1", "PodDisruptionBudget"): k8s.policy.v1.PodDisruptionBudget,
    ("rbac.authorization.k8s.io/v1", "Role"): k8s.rbac.v1.Role,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): k8s.rbac.v1.RoleBinding,
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): k8s.rbac.v1.ClusterRole,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): k8s.rbac.v1.ClusterRoleBinding,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
    ("scheduling.k8s.io/v1", "PriorityClass"): k8s.scheduling.v1.PriorityClass,
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def apply_object(resource_name: str, obj: dict[str, Any], opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
    """Create a Kubernetes object from its dict form: typed resource for built-in kinds, CustomResource
    for add-on kinds (which must `depends_on` the release that installs their CRD)."""
    api_version, kind = obj["apiVersion"], obj["kind"]
    fields = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    cls = _BUILTIN.get((api_version, kind))
    if cls is not None:
        return cls(resource_name, opts=opts, **{_snake(k): v for k, v in fields.items()})
    return k8s.apiextensions.CustomResource(resource_name, api_version=api_version, kind=kind, opts=opts, **fields)


def http_route(
    name: str, namespace: str, hostname: str, service: str, port: int
) -> dict[str, Any]:
    """An HTTPRoute on the platform Gateway's `*.<domain>` HTTPS listener for one platform service."""
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/part-of": "cloud-kernel"}},
        "spec": {
            "parentRefs": [
                {
                    "group": "gateway.networking.k8s.io",
                    "kind": "Gateway",
                    "name": naming.GATEWAY_NAME,
                    "namespace": naming.NAMESPACES["gateway"],
                    "sectionName": naming.GATEWAY_HOSTS_LISTENER,
                }
            ],
            "hostnames": [hostname],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [{"kind": "Service", "name": service, "port": port}],
                }
            ],
        },
    }
