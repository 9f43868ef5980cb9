"""The catalog administrator's Kubernetes objects: who bootstraps Lakekeeper and grants workspaces their projects.

Under `auth.k8s` with OpenFGA nobody may do anything until Lakekeeper is bootstrapped, and a workspace's runner
may do nothing until it is granted something. The platform does both with one identity, `catalog-admin`
(a ServiceAccount of the catalog namespace without an automounted token), running
`catalog_admin_script.py` (what it does and why is in its docstring):
- once at deploy, as a Job after the release (bootstrap, then every workspace that already exists), and
- every few minutes, as a CronJob, for workspaces user space creates later: Lakekeeper names a Kubernetes caller
  by its service account's UID, which exists only once the account does, so no grant can be written at plan time.
The pod carries two projected tokens, never a Secret: one for the catalog's audience (`naming.CATALOG_AUDIENCE`,
what Lakekeeper's TokenReview requires) and one for the Kubernetes API, where a ClusterRole lets it list
namespaces and read the runner service account (`dataos-runner`, by name) and nothing else.
Only these pods reach the catalog API from inside its namespace (core_kernel/network_policies.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from core_kernel import naming
from core_kernel.context import TOKEN_SECONDS, catalog_server, catalog_token_volume
from core_kernel.network_policies import WORKSPACE_LABELS
from core_kernel.services.common import PLATFORM_CRITICAL, container_security_context, pod_security_context, resources
from core_kernel.versions import CATALOG_ADMIN_IMAGE, CATALOG_ADMIN_UID

NAME = "iceberg-catalog-admin"
SCRIPT = Path(__file__).with_name("catalog_admin_script.py")
SCRIPT_KEY = "catalog_admin.py"
SCRIPT_HASH_ANNOTATION = "cloud-kernel.io/script-sha256"
SCHEDULE = "*/5 * * * *"
LABELS = {"app.kubernetes.io/part-of": "cloud-kernel", **naming.CATALOG_ADMIN_POD_LABELS}
WORKSPACE_LABEL = ",".join(f"{k}={v}" for k, v in sorted(WORKSPACE_LABELS.items()))  # a label selector


def _meta(name: str, namespaced: bool = True) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": dict(LABELS)}
    if namespaced:
        meta["namespace"] = naming.NAMESPACES["catalog"]
    return meta


def service_account() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(naming.CATALOG_ADMIN_SERVICE_ACCOUNT),
            "automountServiceAccountToken": False}


def cluster_role() -> dict[str, Any]:
    """List namespaces (RBAC cannot narrow a list by label) and read the runner account by name."""
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": _meta(f"cloud-kernel-{NAME}", namespaced=False),
        "rules": [
            {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list"]},
            {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["get"],
             "resourceNames": [naming.WORKSPACE_RUNNER_SERVICE_ACCOUNT]},
        ],
    }


def cluster_role_binding() -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": _meta(f"cloud-kernel-{NAME}", namespaced=False),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": f"cloud-kernel-{NAME}"},
        "subjects": [{"kind": "ServiceAccount", "name": naming.CATALOG_ADMIN_SERVICE_ACCOUNT,
                      "namespace": naming.NAMESPACES["catalog"]}],
    }


def script_config_map() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(f"{NAME}-script"),
            "data": {SCRIPT_KEY: SCRIPT.read_text(encoding="utf-8")}}


def pod_spec(placement: dict[str, Any] | None = None) -> dict[str, Any]:
    """A restricted pod on the system pool, its only credentials two short-lived projected tokens."""
    catalog_base = catalog_server(naming.catalog_endpoint())
    return {
        "serviceAccountName": naming.CATALOG_ADMIN_SERVICE_ACCOUNT,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "restartPolicy": "Never",
        "priorityClassName": PLATFORM_CRITICAL,
        **(placement or {}),
        "securityContext": pod_security_context(CATALOG_ADMIN_UID),
        "containers": [
            {
                "name": "catalog-admin",
                "image": CATALOG_ADMIN_IMAGE,
                "imagePullPolicy": "Always",
                "command": ["python", "-I", f"/opt/catalog-admin/{SCRIPT_KEY}"],
                "env": [
                    {"name": "CATALOG_URL", "value": catalog_base},
                    {"name": "CATALOG_TOKEN_FILE", "value": "/var/run/secrets/catalog/token"},
                    {"name": "KUBERNETES_URL", "value": "https://kubernetes.default.svc"},
                    {"name": "KUBERNETES_TOKEN_FILE", "value": "/var/run/secrets/kubernetes/token"},
                    {"name": "KUBERNETES_CA_FILE", "value": "/var/run/secrets/kubernetes/ca.crt"},
                    {"name": "WORKSPACE_LABEL", "value": WORKSPACE_LABEL},
                    {"name": "RUNNER_SERVICE_ACCOUNT", "value": naming.WORKSPACE_RUNNER_SERVICE_ACCOUNT},
                    {"name": "PROJECT_NAMESPACE", "value": str(naming.CATALOG_PROJECT_NAMESPACE)},
                    {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
                ],
                "resources": resources("20m", "32Mi", "200m", "64Mi"),
                "securityContext": container_security_context(),
                "volumeMounts": [
                    {"name": "script", "mountPath": "/opt/catalog-admin", "readOnly": True},
                    {"name": "catalog-token", "mountPath": "/var/run/secrets/catalog", "readOnly": True},
                    {"name": "kubernetes-token", "mountPath": "/var/run/secrets/kubernetes", "readOnly": True},
                ],
            }
        ],
        "volumes": [
            {"name": "script", "configMap": {"name": f"{NAME}-script", "defaultMode": 0o444}},
            catalog_token_volume(naming.CATALOG_AUDIENCE),
            {"name": "kubernetes-token", "projected": {"defaultMode": 0o440, "sources": [
                {"serviceAccountToken": {"expirationSeconds": TOKEN_SECONDS, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}},
        ],
    }


def _job_spec(placement: dict[str, Any] | None) -> dict[str, Any]:
    """The pod template carries the script's hash: a changed script changes the Job, which is replaced and so
    runs again within the deploy (the ConfigMap alone changing would leave the finished Job as it is)."""
    script_hash = hashlib.sha256(SCRIPT.read_bytes()).hexdigest()[:16]
    return {"backoffLimit": 10, "activeDeadlineSeconds": 1200,
            "template": {"metadata": {"labels": dict(LABELS), "annotations": {SCRIPT_HASH_ANNOTATION: script_hash}},
                         "spec": pod_spec(placement)}}


def job(placement: dict[str, Any] | None = None) -> dict[str, Any]:
    """The deploy-time run: bootstrap, then the workspaces that already exist (retries while Lakekeeper starts)."""
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": _meta(NAME), "spec": _job_spec(placement)}


def cron_job(placement: dict[str, Any] | None = None) -> dict[str, Any]:
    """The same run on a schedule: workspaces created after the deploy get their project and grant."""
    spec = _job_spec(placement)
    spec.update(backoffLimit=2, activeDeadlineSeconds=240)
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": _meta(NAME),
        "spec": {"schedule": SCHEDULE, "concurrencyPolicy": "Forbid", "startingDeadlineSeconds": 240,
                 "successfulJobsHistoryLimit": 1, "failedJobsHistoryLimit": 3,
                 "jobTemplate": {"metadata": {"labels": dict(LABELS)}, "spec": spec}},
    }
