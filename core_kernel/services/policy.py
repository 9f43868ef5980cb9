"""OPA, the policy decision point, with kube-mgmt loading rego and data from labelled ConfigMaps.

Decision clients call `naming.opa_decision_url()` (HTTPS, certificate from the platform ClusterIssuer, Service
port 443 -> container port 8181). OPA's API authorization lets them read `data.cloudkernel...` only; kube-mgmt
writes policies and data with a generated token (Secret `opa-authz`, never in a ConfigMap or the plan).

User space compiles Policy and Grant Resources into the JSON document `grants.json` of the ConfigMap
`opa-platform-data` (namespace `opa`); kube-mgmt loads it under `data.opa["opa-platform-data"]["grants.json"]`
and the base policy below (`cloudkernel.authz.allow`) decides against it. Deny rules win over grants.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi

from core_kernel import naming
import pulumi_random as random

from core_kernel.services.cert_manager import internal_issuer
from core_kernel.services.common import (
    PLATFORM_CRITICAL,
    BuildContext,
    apply_object,
    container_security_context,
    k8s_opts,
    monitor_object,
    pod_security_context,
    resources,
)
from core_kernel.versions import KUBE_MGMT_IMAGE, OPA_DIAGNOSTIC_PORT, OPA_IMAGE, OPA_UID

KEY = "policy"
LABELS = {"app.kubernetes.io/part-of": "cloud-kernel"}
DATA_KEY = "grants.json"
POLICY_CONFIGMAP = "opa-platform-policy"

BASE_POLICY = """package cloudkernel.authz

import rego.v1

# Input: {"subject": {"user": "...", "tags": ["roles:id:data-dev", ...]}, "action": "read",
#         "resource": "dataos://lakehouse:raw/sales"}
# Data:  grants.json = {"grants": [rule...], "denies": [rule...]},
#        rule = {"subjects": [...], "actions": [...], "resources": [glob...]}
documents := object.get(data, ["opa", "opa-platform-data", "grants.json"], {})

default allow := false

allow if {
	not denied
	some rule in object.get(documents, "grants", [])
	matches(rule)
}

denied if {
	some rule in object.get(documents, "denies", [])
	matches(rule)
}

matches(rule) if {
	subject_matches(rule)
	action_matches(rule)
	resource_matches(rule)
}

subject_matches(rule) if input.subject.user in object.get(rule, "subjects", [])

subject_matches(rule) if {
	some tag in object.get(input.subject, "tags", [])
	tag in object.get(rule, "subjects", [])
}

action_matches(rule) if input.action in object.get(rule, "actions", [])

action_matches(rule) if "*" in object.get(rule, "actions", [])

resource_matches(rule) if {
	some pattern in object.get(rule, "resources", [])
	glob.match(pattern, [":", "/"], input.resource)
}
"""


AUTHZ_SECRET = "opa-authz"
TLS_SECRET = "opa-tls"
KUBE_MGMT = "opa-kube-mgmt"
POD_LABELS = {"app": naming.OPA_RELEASE}  # NetworkPolicies select the OPA pods by this label

# OPA's own API authorization (`--authorization=basic`). Decision clients may only read the platform policy's
# package; kube-mgmt, presenting the token only it holds, loads policies and data; everything else is refused.
# Health and metrics are served on the diagnostic port, outside this policy.
AUTHZ_POLICY = """package system.authz

import rego.v1

default allow := false

allow if {
	input.method in {"GET", "POST"}
	count(input.path) >= 3
	input.path[0] == "v1"
	input.path[1] == "data"
	input.path[2] == "cloudkernel"
}

allow if input.identity == "%s"
"""


def authz_policy(token: str) -> str:
    return AUTHZ_POLICY % token


# Checks that do not apply to this pod, with the reason (checkov reads `checkov.io/skip<n>: <check>=<reason>`).
CHECKOV_SKIPS = {
    "checkov.io/skip1": "CKV_K8S_38=kube-mgmt watches and annotates ConfigMaps through the API: it needs its token",
    "checkov.io/skip2": "CKV_K8S_8=kube-mgmt serves no endpoint to probe; the opa container has its liveness probe",
    "checkov.io/skip3": "CKV_K8S_9=kube-mgmt serves no endpoint to probe; the opa container has its readiness probe",
}


def _opa_container() -> dict[str, Any]:
    return {
        "name": "opa",
        "image": OPA_IMAGE,
        "imagePullPolicy": "Always",
        "args": [
            "run",
            "--server",
            f"--addr=0.0.0.0:{naming.OPA_PORT}",
            f"--diagnostic-addr=0.0.0.0:{OPA_DIAGNOSTIC_PORT}",
            "--tls-cert-file=/certs/tls.crt",
            "--tls-private-key-file=/certs/tls.key",
            "--authentication=token",
            "--authorization=basic",
            "--log-format=json",
            "--log-level=info",
            "/authz/authz.rego",
        ],
        "ports": [
            {"name": "https", "containerPort": naming.OPA_PORT, "protocol": "TCP"},
            {"name": "metrics", "containerPort": OPA_DIAGNOSTIC_PORT, "protocol": "TCP"},
        ],
        "readinessProbe": {"httpGet": {"path": "/health", "port": "metrics"}, "periodSeconds": 10},
        "livenessProbe": {"httpGet": {"path": "/health", "port": "metrics"}, "initialDelaySeconds": 10, "periodSeconds": 15},
        "resources": resources("100m", "128Mi", "1", "512Mi"),
        "securityContext": container_security_context(),
        "volumeMounts": [
            {"name": "certs", "mountPath": "/certs", "readOnly": True},
            {"name": "authz", "mountPath": "/authz", "readOnly": True},
        ],
    }


def _mgmt_container() -> dict[str, Any]:
    return {
        "name": "mgmt",
        "image": KUBE_MGMT_IMAGE,
        "imagePullPolicy": "Always",
        "args": [
            "--opa-auth-token-file=/token/mgmt-token",
            f"--opa-url=https://127.0.0.1:{naming.OPA_PORT}/v1",
            "--opa-allow-insecure",  # loopback to its own pod; the certificate names the Service
            f"--namespaces={naming.NAMESPACES[KEY]}",
            "--enable-data=true",
            "--enable-policies=true",
        ],
        "resources": resources("20m", "64Mi", "200m", "128Mi"),
        "securityContext": container_security_context(),
        "volumeMounts": [{"name": "token", "mountPath": "/token", "readOnly": True}],
    }


def deployment(replicas: int, placement: dict[str, Any] | None = None) -> dict[str, Any]:
    """OPA and the kube-mgmt sidecar, restricted, on HTTPS with a certificate from the platform issuer."""
    labels = {**LABELS, **POD_LABELS}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": naming.OPA_RELEASE,
            "namespace": naming.NAMESPACES[KEY],
            "labels": labels,
            "annotations": CHECKOV_SKIPS,
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(POD_LABELS)},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": KUBE_MGMT,
                    "priorityClassName": PLATFORM_CRITICAL,
                    **(placement or {}),
                    "securityContext": pod_security_context(OPA_UID),
                    "containers": [_opa_container(), _mgmt_container()],
                    "volumes": [
                        {"name": "certs", "secret": {"secretName": TLS_SECRET}},
                        {"name": "authz", "secret": {"secretName": AUTHZ_SECRET, "items": [{"key": "authz.rego", "path": "authz.rego"}]}},
                        {"name": "token", "secret": {"secretName": AUTHZ_SECRET, "items": [{"key": "mgmt-token", "path": "mgmt-token"}]}},
                    ],
                },
            },
        },
    }


def support_objects(prod: bool, monitoring: bool, issuer: str) -> list[dict[str, Any]]:
    """Service account and RBAC of kube-mgmt, TLS certificate, Service, PDB (prod), ServiceMonitor (monitoring)."""
    namespace = naming.NAMESPACES[KEY]
    meta = {"namespace": namespace, "labels": LABELS}
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": KUBE_MGMT, **meta}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": KUBE_MGMT, **meta},
            # kube-mgmt watches labelled ConfigMaps and writes its load status into their annotations.
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch", "patch", "update"]}],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": KUBE_MGMT, **meta},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": KUBE_MGMT},
            "subjects": [{"kind": "ServiceAccount", "name": KUBE_MGMT, "namespace": namespace}],
        },
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": TLS_SECRET, **meta},
            "spec": {
                "secretName": TLS_SECRET,
                "dnsNames": [naming.OPA_RELEASE, f"{naming.OPA_RELEASE}.{namespace}", f"{naming.OPA_RELEASE}.{namespace}.svc",
                             f"{naming.OPA_RELEASE}.{namespace}.svc.cluster.local"],
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": issuer},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": naming.OPA_RELEASE, **meta},
            "spec": {
                "selector": dict(POD_LABELS),
                "ports": [
                    {"name": "https", "port": naming.OPA_SERVICE_PORT, "targetPort": "https", "protocol": "TCP"},
                    {"name": "metrics", "port": OPA_DIAGNOSTIC_PORT, "targetPort": "metrics", "protocol": "TCP"},
                ],
            },
        },
    ]
    if prod:
        objects.append({
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": naming.OPA_RELEASE, **meta},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": dict(POD_LABELS)}},
        })
    if monitoring:
        objects.append(monitor_object("ServiceMonitor", naming.OPA_RELEASE, namespace, {
            "selector": {"matchLabels": {**LABELS}}, "endpoints": [{"port": "metrics", "path": "/metrics"}]}))
    return objects


def configmaps() -> list[dict[str, Any]]:
    """The data ConfigMap user space fills, seeded empty, and the base rego policy."""
    namespace = naming.NAMESPACES[KEY]
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": naming.OPA_DATA_CONFIGMAP,
                "namespace": namespace,
                "labels": {**LABELS, **naming.OPA_DATA_LABEL},
            },
            "data": {DATA_KEY: json.dumps({"denies": [], "grants": []}, sort_keys=True)},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": POLICY_CONFIGMAP,
                "namespace": namespace,
                "labels": {**LABELS, **naming.OPA_POLICY_LABEL},
            },
            "data": {"authz.rego": BASE_POLICY},
        },
    ]


class Policy(pulumi.ComponentResource):
    """OPA with kube-mgmt as plain objects: opa-kube-mgmt 9.3.0 cannot give its containers a security context,
    so under Pod Security `restricted` its pods would never be admitted."""

    def __init__(self, name: str, ctx: BuildContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:Policy", name, None, opts)
        ready = ctx.ready(KEY)
        data_cm, policy_cm = configmaps()
        # User space (the runtime) owns the content of the data document after the seed.
        self.data = apply_object(f"{name}-data", data_cm, k8s_opts(self, ctx.contract, ready, ignore_changes=["data"]))
        self.policy = apply_object(f"{name}-rego", policy_cm, k8s_opts(self, ctx.contract, ready))
        random_provider = random.Provider(f"{name}-random", opts=pulumi.ResourceOptions(parent=self))
        token = random.RandomPassword(
            f"{name}-mgmt-token", length=48, special=False, opts=pulumi.ResourceOptions(parent=self, provider=random_provider)
        )
        authz = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": AUTHZ_SECRET, "namespace": naming.NAMESPACES[KEY], "labels": LABELS},
            "type": "Opaque",
            "stringData": {"mgmt-token": token.result, "authz.rego": token.result.apply(authz_policy)},
        }
        created: list[pulumi.Resource] = [apply_object(f"{name}-authz", authz, k8s_opts(self, ctx.contract, ready))]
        for obj in support_objects(ctx.production, ctx.monitoring, internal_issuer(ctx.spec)):
            deps = [*ready, *ctx.crds_ready(obj["kind"])]  # a kind waits for the release installing its CRD
            created.append(
                apply_object(f"{name}-{obj['kind'].lower()}-{obj['metadata']['name']}", obj, k8s_opts(self, ctx.contract, deps))
            )
        self.deployment = apply_object(
            f"{name}-deployment", deployment(ctx.replicas, ctx.placement), k8s_opts(self, ctx.contract, [*ready, self.data, self.policy, *created])
        )
        self.register_outputs({"deployment": naming.OPA_RELEASE, "decisionUrl": naming.opa_decision_url()})
