"""Cluster (Minerva) -> a Trino coordinator and workers, with catalogs from its depots.

Trino (`trinodb/trino`) reads `/etc/trino` from a ConfigMap: `config.properties` per role, `jvm.config`,
`node.properties` and one `catalog/<name>.properties` per catalog. Depot catalogs: Lakehouse/Iceberg
depots -> the `iceberg` connector on the platform's Iceberg REST catalog; JDBC/Postgres depots -> the
`postgresql` connector with credentials from the depot's secrets as env (`${ENV:...}`); raw `catalogs`
-> `connector.name=<type>` with their properties. Themis clusters and other depot types are unsupported.
Limit: the catalog authenticates callers by projected Kubernetes service-account tokens (core_kernel catalog,
`auth.k8s`); Trino's REST catalog client presents either nothing or an OAuth2 token (a fixed
`iceberg.rest-catalog.oauth2.token` or client credentials against an OAuth2 server), never a token file it
re-reads, so Iceberg catalogs compile but Lakekeeper refuses Trino (a compile note says so).
"""

from __future__ import annotations

from typing import Any

from user_space.compiler.common import Res, Unsupported, dns_name, metadata, obj, selector_labels
from user_space.compiler.images import TRINO_IMAGE
from user_space.compiler.index import Index
from user_space.compiler.pods import (PULL_POLICY, RUNNER_SERVICE_ACCOUNT, PodParts, consume_secret, harden, placement,
                                      pod_security_context, resources_for)
from user_space.model.udl import parse_udl

# Not the image's own uid 1000 (it may clash with a host user, checkov CKV_K8S_40): Trino only reads /usr/lib/trino
# and writes to its data dir and /tmp, both emptyDirs owned through fsGroup.
TRINO_UID = 10000


class ClusterUnsupported(Exception):
    pass


def _catalogs(idx: Index, res: Res, spec: dict[str, Any], parts: PodParts) -> dict[str, str]:
    depots = idx.depots()
    catalogs: dict[str, str] = {}
    for entry in spec.get("depots") or []:
        udl = parse_udl(entry["address"])
        fact = depots.get(udl.depot)
        if fact is None:
            idx.notes.append(Unsupported(res.resource_id, f"catalog {udl.depot}: depot not declared here"))
            continue
        props: dict[str, str] = {}
        conn = fact["connection"]
        if "catalogEndpoint" in conn or fact["type"] in ("S3", "GCS", "ABFSS", "WASBS") and idx.context.catalog:
            idx.need(res.workspace, "catalog")
            props = {"connector.name": "iceberg", "iceberg.catalog.type": "rest",
                     "iceberg.rest-catalog.uri": conn.get("catalogEndpoint", idx.context.catalog.endpoint),
                     "iceberg.rest-catalog.warehouse": str(conn.get("warehouse", udl.depot)),
                     "iceberg.rest-catalog.vended-credentials-enabled": "true",
                     "fs.native-s3.enabled": "true"}
            idx.notes.append(Unsupported(res.resource_id, f"catalog {udl.depot}: the Iceberg REST catalog accepts "
                                         "only a projected Kubernetes token for its audience, which Trino cannot "
                                         "send (iceberg.rest-catalog.security is NONE or OAUTH2: a fixed token or "
                                         "client credentials); its calls are refused until the catalog trusts an "
                                         "OAuth2 identity provider"))
        elif fact["type"] in ("JDBC", "POSTGRES", "POSTGRESQL") and str(conn.get("subprotocol", "postgresql")) in ("postgresql", "postgres"):
            params = conn.get("params") or {}
            query = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
            url = f"jdbc:postgresql://{conn.get('host')}:{conn.get('port', 5432)}/{conn.get('database', '')}"
            prefix = udl.depot.upper()
            props = {"connector.name": "postgresql", "connection-url": url + (f"?{query}" if query else ""),
                     "connection-user": f"${{ENV:{prefix}_USERNAME}}",
                     "connection-password": f"${{ENV:{prefix}_PASSWORD}}"}
            for secret in fact["secrets"][:1]:
                k8s_secret = consume_secret_name(idx, res, parts, secret)
                parts.env += [{"name": f"{prefix}_USERNAME", "valueFrom": {"secretKeyRef": {"name": k8s_secret, "key": "username"}}},
                              {"name": f"{prefix}_PASSWORD", "valueFrom": {"secretKeyRef": {"name": k8s_secret, "key": "password"}}}]
        else:
            idx.notes.append(Unsupported(res.resource_id, f"catalog {udl.depot}: {fact['type']} depots have no Trino "
                                                          "catalog mapping yet"))
            continue
        props.update({str(k): str(v) for k, v in (entry.get("properties") or {}).items()})
        catalogs[udl.depot] = "".join(f"{k}={v}\n" for k, v in sorted(props.items()))
    for raw in spec.get("catalogs") or []:
        props = {"connector.name": raw["type"], **{str(k): str(v) for k, v in (raw.get("properties") or {}).items()}}
        catalogs[raw["name"]] = "".join(f"{k}={v}\n" for k, v in sorted(props.items()))
    return dict(sorted(catalogs.items()))


def consume_secret_name(idx: Index, res: Res, parts: PodParts, secret: dict[str, Any]) -> str:
    from user_space.compiler.pods import secret_k8s_name

    return secret_k8s_name(idx, res, secret)[0]


def compile_cluster(idx: Index, res: Res) -> list[dict[str, Any]]:
    block = res.block
    if block.get("type") != "minerva":
        raise ClusterUnsupported(f"cluster type {block.get('type')!r} (only minerva compiles; Themis comes later)")
    spec = block.get("minerva") or {}
    parts = PodParts()
    catalogs = _catalogs(idx, res, spec, parts)
    for ref in []:
        consume_secret(idx, res, parts, ref)
    node_selector, tolerations = placement(idx, res, block.get("compute", "query-default"))
    base = dns_name(res.name, "trino", limit=50)
    debug = spec.get("debug") or {}
    common = {"jvm.config": "-server\n-XX:InitialRAMPercentage=60\n-XX:MaxRAMPercentage=75\n-XX:+UseG1GC\n"
                            "-XX:+ExitOnOutOfMemoryError\n-Djdk.attach.allowAttachSelf=true\n",
              "node.properties": f"node.environment={idx.context.environment}\nnode.data-dir=/data/trino\n",
              "log.properties": f"io.trino={debug.get('trinoLogLevel', 'ERROR')}\n"}
    coordinator_cfg = ("coordinator=true\nnode-scheduler.include-coordinator=false\nhttp-server.http.port=8080\n"
                       f"discovery.uri=http://{base}:8080\n")
    worker_cfg = f"coordinator=false\nhttp-server.http.port=8080\ndiscovery.uri=http://{base}:8080\n"
    objects: list[dict[str, Any]] = []
    for role, cfg in (("coordinator", coordinator_cfg), ("worker", worker_cfg)):
        data = {**common, "config.properties": cfg, **{f"catalog.{k}.properties": v for k, v in catalogs.items()}}
        objects.append(obj("v1", "ConfigMap", metadata(res, f"{base}-{role}", component=role),
                           data=dict(sorted(data.items()))))
    for role, replicas, envs in (("coordinator", 1, spec.get("coordinatorEnvs") or {}),
                                 ("worker", int(spec.get("replicas", 1)), spec.get("workerEnvs") or {})):
        items = [{"key": k, "path": k} for k in ("config.properties", "jvm.config", "log.properties", "node.properties")]
        items += [{"key": f"catalog.{k}.properties", "path": f"catalog/{k}.properties"} for k in catalogs]
        container = {
            "name": "trino", "image": TRINO_IMAGE, "imagePullPolicy": PULL_POLICY,
            "env": sorted(parts.env + [{"name": str(k), "value": str(v)} for k, v in sorted(envs.items())],
                          key=lambda e: e["name"]),
            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            "resources": resources_for(spec.get("resources"), {"requests": {"cpu": "500m", "memory": "2Gi"},
                                                               "limits": {"cpu": "2", "memory": "4Gi"}}),
            "readinessProbe": {"httpGet": {"path": "/v1/info", "port": "http"}, "periodSeconds": 10},
            "livenessProbe": {"httpGet": {"path": "/v1/info", "port": "http"}, "periodSeconds": 30,
                              "initialDelaySeconds": 60},
            "volumeMounts": [{"name": "config", "mountPath": "/etc/trino", "readOnly": True},
                             {"name": "data", "mountPath": "/data/trino"}, {"name": "tmp", "mountPath": "/tmp"}],
        }
        harden(container)
        pod = {"automountServiceAccountToken": False, "serviceAccountName": RUNNER_SERVICE_ACCOUNT,
               "securityContext": pod_security_context(TRINO_UID), "containers": [container],
               "enableServiceLinks": False, "priorityClassName": idx.context.workspaces.priority_class,
               "volumes": [{"name": "config", "configMap": {"name": f"{base}-{role}", "items": items}},
                           {"name": "data", "emptyDir": {"sizeLimit": "10Gi"}},
                           {"name": "tmp", "emptyDir": {"sizeLimit": "2Gi"}}]}
        if node_selector:
            pod["nodeSelector"] = node_selector
        if tolerations:
            pod["tolerations"] = tolerations
        selector = selector_labels(res, role)
        objects.append(obj("apps/v1", "Deployment", metadata(res, f"{base}-{role}", component=role), spec={
            "replicas": replicas, "selector": {"matchLabels": selector},
            "template": {"metadata": {"labels": metadata(res, "x", component=role)["labels"]}, "spec": pod}}))
    objects.append(obj("v1", "Service", metadata(res, base, component="coordinator"), spec={
        "type": "ClusterIP", "selector": selector_labels(res, "coordinator"),
        "ports": [{"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}]}))
    if int(spec.get("replicas", 1)) > 1:
        objects.append(obj("policy/v1", "PodDisruptionBudget", metadata(res, f"{base}-worker", component="worker"),
                           spec={"selector": {"matchLabels": selector_labels(res, "worker")}, "maxUnavailable": 1}))
    if block.get("maintenance"):
        idx.notes.append(Unsupported(res.resource_id, "cluster.maintenance (restart/scaling crons) is not compiled"))
    idx.need(res.workspace, "trino")
    return objects
