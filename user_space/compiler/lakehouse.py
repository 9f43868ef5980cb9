"""Lakehouse -> a warehouse in the Iceberg REST catalog (Lakekeeper) on its bucket, plus its Depot.

The warehouse is created by a Job calling Lakekeeper's management API (`POST /management/v1/warehouse`,
idempotent: an existing warehouse of that name is left as is). The storage is the Lakehouse's own bucket
block; a bucket that is one of the platform's lakehouse buckets uses the catalog's workload identity
(no static keys), any other bucket needs the Lakehouse's Instance Secrets. The Depot
(`storage.depotName`, default `<name>0<workspace>0storage`) is registered like any Depot, with the catalog
connection, so UDLs `dataos://<depot>:<ns>/<table>` resolve.
"""

from __future__ import annotations

import json
from typing import Any

from core_kernel.context import catalog_server, catalog_token_volume
from user_space.compiler.common import CompileError, Res, Unsupported, dns_name, metadata, obj, require, short_hash
from user_space.compiler.index import Index
from user_space.compiler.images import CURL_IMAGE
from user_space.compiler.pods import RUNNER_SERVICE_ACCOUNT, placement, pod_security_context, small_container


def lakehouse_depot_name(res: Res) -> str:
    storage = ((res.block.get("iceberg") or {}).get("storage") or {})
    return storage.get("depotName") or f"{res.name}0{res.workspace}0storage".replace("-", "")


# Storage type of a platform bucket, by the scheme of its URI in the platform context.
URI_STORAGE_TYPES = {"s3": "s3", "gs": "gcs", "abfss": "abfss"}
# The catalog's own cloud identity as a Lakekeeper storage credential, per cloud (platform buckets only).
SYSTEM_IDENTITY_CREDENTIALS: dict[str, dict[str, str]] = {
    "aws": {"type": "s3", "credential-type": "aws-system-identity"},
    "gcp": {"type": "gcs", "credential-type": "gcp-system-identity"},
    "azure": {"type": "az", "credential-type": "azure-system-identity"},
}
# Lakekeeper's storage-profile type each credential type goes with.
CREDENTIAL_PROFILES = {"s3": "s3", "gcs": "gcs", "az": "adls"}
TOKEN_DIR = "/var/run/secrets/catalog"
# POST the warehouse with the runner's projected token (from a header file: never in a process's arguments) into
# the workspace's project. 401/403/404 until the platform's catalog admin has created the project and granted the
# runner (it runs every few minutes): retried, re-reading the rotating token. 409: the warehouse exists.
WAREHOUSE_SCRIPT = r"""set -eu
attempt=0
while :; do
  printf 'Authorization: Bearer %s\n' "$(cat "$TOKEN_FILE")" > /tmp/auth
  code=$(curl -sS -o /tmp/out -w "%{http_code}" -X POST -H @/tmp/auth -H "x-project-id: $PROJECT_ID" \
    -H "Content-Type: application/json" --data-binary @/request/warehouse.json "$MANAGEMENT_URL") || code=000
  rm -f /tmp/auth
  cat /tmp/out 2>/dev/null || true; echo
  case "$code" in
    200|201|409) exit 0;;
    000|401|403|404|503)
      attempt=$((attempt + 1))
      if [ "$attempt" -ge "$RETRIES" ]; then echo "catalog answered HTTP $code after $attempt attempts" >&2; exit 1; fi
      echo "catalog answered HTTP $code: waiting for the workspace's catalog project and grant" >&2
      sleep "$RETRY_SECONDS";;
    *) echo "catalog answered HTTP $code" >&2; exit 1;;
  esac
done
"""


def _bucket(idx: Index, res: Res) -> tuple[str, dict[str, Any]]:
    """The storage block; a bucket named after a key of `cloud-kernel:cloud.lakehouse` (e.g. `lake`) means that
    platform bucket in whatever stack compiles it, on that stack's object store (an `s3` block names a GCS
    bucket on GCP, an ADLS container on Azure), so one GitOps folder serves every environment and cloud."""
    storage = ((res.block.get("iceberg") or {}).get("storage") or {})
    stype = str(storage.get("type", "s3")).lower()
    block = dict(storage.get(stype) or {})
    platform_uri = idx.context.lakehouse.get(str(block.get("bucket", "")))
    if platform_uri is not None:
        scheme, _, rest = platform_uri.partition("://")
        location = rest.split("/")[0]
        if scheme == "abfss":  # abfss://<container>@<account>.dfs.core.windows.net/
            container, _, host = location.partition("@")
            block.pop("bucket")
            return "abfss", {**block, "account": host.split(".")[0], "container": container}
        block["bucket"] = location
        stype = URI_STORAGE_TYPES.get(scheme, stype)
    return stype, block


def warehouse_name(res: Res) -> str:
    return f"{res.workspace}-{res.name}"


def lakehouse_depot(idx: Index, res: Res) -> tuple[str, dict[str, Any]]:
    stype, bucket = _bucket(idx, res)
    storage = ((res.block.get("iceberg") or {}).get("storage") or {})
    catalog = idx.context.catalog
    connection = {**{k: v for k, v in sorted(bucket.items())}, "catalog": "iceberg-rest",
                  "warehouse": warehouse_name(res)}
    if catalog is not None:
        connection["catalogEndpoint"] = catalog.endpoint
    secrets = [{"name": s["name"]} for s in storage.get("secrets") or []
               if idx.find("instance-secret", s["name"]) is not None]
    return lakehouse_depot_name(res), {"type": stype.upper(), "connection": connection, "secrets": secrets,
                                       "resource": res, "source": lakehouse_depot_name(res), "needs": ("catalog",)}


def storage_profile(idx: Index, res: Res) -> dict[str, Any]:
    stype, bucket = _bucket(idx, res)
    prefix = str(bucket.get("relativePath", "")).strip("/")
    if stype == "s3":
        profile = {"type": "s3", "bucket": bucket.get("bucket"), "region": bucket.get("region", idx.context.region),
                   "sts-enabled": True, "flavor": "aws"}
        if bucket.get("endpoint"):
            profile["endpoint"] = "https://" + str(bucket["endpoint"]).removeprefix("https://")
    elif stype == "gcs":
        profile = {"type": "gcs", "bucket": bucket.get("bucket")}
    elif stype in ("abfss", "wasbs"):
        profile = {"type": "adls", "account-name": bucket.get("account"), "filesystem": bucket.get("container")}
    else:
        raise CompileError(res.resource_id, f"lakehouse storage type {stype!r} is not supported")
    if prefix:
        profile["key-prefix"] = prefix
    if not (profile.get("bucket") or profile.get("filesystem")):
        raise CompileError(res.resource_id, f"lakehouse.iceberg.storage.{stype} needs its bucket/container")
    return profile


def profile_location(profile: dict[str, Any]) -> str | None:
    """Where a storage profile points, in the form of a platform URI's authority (`bucket`, `fs@account.dfs...`)."""
    if profile.get("type") == "adls":
        return f"{profile.get('filesystem')}@{profile.get('account-name')}.dfs.core.windows.net"
    return profile.get("bucket")


def compile_lakehouse(idx: Index, res: Res) -> list[dict[str, Any]]:
    from user_space.compiler.depot import depot_configmap

    catalog = require(idx.context.catalog, res, "the Iceberg REST catalog")
    idx.need(res.workspace, "catalog")
    profile = storage_profile(idx, res)
    platform_buckets = {uri.split("://", 1)[-1].split("/")[0] for uri in catalog.warehouses.values()}
    body: dict[str, Any] = {"warehouse-name": warehouse_name(res), "storage-profile": profile,
                            "delete-profile": {"type": "hard"}}
    credential = SYSTEM_IDENTITY_CREDENTIALS.get(idx.context.cloud)
    if (profile_location(profile) in platform_buckets and credential is not None
            and CREDENTIAL_PROFILES[credential["type"]] == profile["type"]):
        body["storage-credential"] = dict(credential)
    management = catalog_server(catalog.endpoint) + "/management/v1/warehouse"
    payload = json.dumps(body, sort_keys=True)
    base = dns_name(res.name, "warehouse", limit=50)
    node_selector, tolerations = placement(idx, res, res.block.get("compute", "runnable-default"))
    container = small_container("create-warehouse", CURL_IMAGE, ["/bin/sh", "-c", WAREHOUSE_SCRIPT],
                                [{"name": "MANAGEMENT_URL", "value": management},
                                 {"name": "PROJECT_ID", "value": catalog.project_id(res.workspace)},
                                 {"name": "TOKEN_FILE", "value": f"{TOKEN_DIR}/token"},
                                 {"name": "RETRIES", "value": "20"}, {"name": "RETRY_SECONDS", "value": "30"}],
                                [{"name": "request", "mountPath": "/request", "readOnly": True},
                                 {"name": "catalog-token", "mountPath": TOKEN_DIR, "readOnly": True},
                                 {"name": "tmp", "mountPath": "/tmp"}])
    pod = {
        "automountServiceAccountToken": False, "serviceAccountName": RUNNER_SERVICE_ACCOUNT, "restartPolicy": "OnFailure",
        "securityContext": pod_security_context(), "containers": [container], "enableServiceLinks": False,
        "volumes": [{"name": "request", "configMap": {"name": f"{base}-request"}},
                    catalog_token_volume(catalog.audience),
                    {"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}}],
        "priorityClassName": idx.context.workspaces.batch_priority_class,
    }
    if node_selector:
        pod["nodeSelector"] = node_selector
    if tolerations:
        pod["tolerations"] = tolerations
    depot_name, fact = lakehouse_depot(idx, res)
    for part in sorted(k for k in ("metastore", "queryEngine") if (res.block.get("iceberg") or {}).get(k)):
        idx.notes.append(Unsupported(res.resource_id, f"lakehouse.iceberg.{part}: the shared platform catalog "
                                                      "serves every Lakehouse; per-Lakehouse engines are not deployed"))
    return [
        obj("v1", "ConfigMap", metadata(res, f"{base}-request", component="warehouse"),
            data={"warehouse.json": payload}),
        obj("batch/v1", "Job", metadata(res, dns_name(base, short_hash(json.dumps(pod, sort_keys=True) + payload, 6)),
                                        component="warehouse"),
            spec={"backoffLimit": 6, "ttlSecondsAfterFinished": 86400,
                  "template": {"metadata": {"labels": metadata(res, "x", component="warehouse")["labels"]},
                               "spec": pod}}),
        depot_configmap(res, depot_name, fact, res.workspace),
    ]
