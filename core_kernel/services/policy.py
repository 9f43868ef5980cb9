"""OPA, the policy decision point, with kube-mgmt loading rego and data from labelled ConfigMaps.

User space compiles Policy and Grant Resources into the JSON document `grants.json` of the ConfigMap
`opa-platform-data` (namespace `opa`); kube-mgmt loads it under `data.opa["opa-platform-data"]["grants.json"]`
and the base policy below (`cloudkernel.authz.allow`) decides against it. Deny rules win over grants.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi

from core_kernel import naming
from core_kernel.services.common import (
    PLATFORM_CRITICAL,
    BuildContext,
    apply_object,
    container_security_context,
    helm_release,
    k8s_opts,
    pod_security_context,
    resources,
    service_monitor_labels,
)

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


def values(replicas: int, prod: bool, monitoring: bool) -> dict[str, Any]:
    return {
        "fullnameOverride": naming.OPA_RELEASE,
        "replicas": replicas,
        "podDisruptionBudget": {"enabled": prod, "minAvailable": 1},
        "priorityClassName": PLATFORM_CRITICAL,
        "opa": False,  # no remote bundle: policies and data come from ConfigMaps only
        "useHttps": True,
        "authz": {"enabled": True},  # only the kube-mgmt token may write policies/data
        "admissionController": {"enabled": False},
        "resources": resources("100m", "128Mi", "1", "512Mi"),
        "securityContext": {"enabled": True, **pod_security_context(1000)},
        "containerSecurityContext": container_security_context(),
        "mgmt": {
            "enabled": True,
            "resources": resources("20m", "64Mi", "200m", "128Mi"),
            "namespaces": [naming.NAMESPACES[KEY]],
            "data": {"enabled": True},
            "policies": {"enabled": True},
            "securityContext": container_security_context(),
        },
        "prometheus": {"enabled": monitoring},
        "serviceMonitor": {"enabled": monitoring, "additionalLabels": service_monitor_labels()},
    }


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
    def __init__(self, name: str, ctx: BuildContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("cloud-kernel:core:Policy", name, None, opts)
        ready = ctx.ready(KEY)
        data_cm, policy_cm = configmaps()
        # User space (the runtime) owns the content of the data document after the seed.
        self.data = apply_object(f"{name}-data", data_cm, k8s_opts(self, ctx.contract, ready, ignore_changes=["data"]))
        self.policy = apply_object(f"{name}-rego", policy_cm, k8s_opts(self, ctx.contract, ready))
        self.release = helm_release(
            f"{name}-release",
            KEY,
            naming.OPA_RELEASE,
            naming.NAMESPACES[KEY],
            values(ctx.replicas, ctx.production, ctx.monitoring),
            k8s_opts(self, ctx.contract, [*ready, self.data, self.policy]),
        )
        self.register_outputs({"release": self.release.name, "decisionUrl": naming.opa_decision_url()})
