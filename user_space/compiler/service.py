"""Service -> Deployment, Service, HTTPRoute (ingress), HPA (autoscaling), PDB. Worker -> the same minus
Service and route (a Worker serves no port)."""

from __future__ import annotations

from typing import Any

from user_space.compiler.auth import security_policy
from user_space.compiler.common import Res, checkov_skips, metadata, obj, require, secrets_in_env, selector_labels
from user_space.compiler.index import Index
from user_space.compiler.pods import declared_exceptions
from user_space.compiler.runnable import compile_runnable

TOPOLOGY_KEYS = {"hostname": "kubernetes.io/hostname", "zone": "topology.kubernetes.io/zone",
                 "region": "topology.kubernetes.io/region"}


def compile_service(idx: Index, res: Res) -> list[dict[str, Any]]:
    return _long_running(idx, res, "service")


def compile_worker(idx: Index, res: Res) -> list[dict[str, Any]]:
    return _long_running(idx, res, "worker")


def _long_running(idx: Index, res: Res, kind: str) -> list[dict[str, Any]]:
    block = res.block
    ctx = idx.context
    port = None
    if kind == "service" and block.get("servicePort"):
        port = {"name": "http", "servicePort": block["servicePort"], "targetPort": block["servicePort"]}
    run = compile_runnable(idx, res, block, kind, base_name=res.name, container_name="main", port=port)
    port = run.pod.port if kind == "service" else None
    extra_ports = [p for p in block.get("servicePorts") or []] if kind == "service" else []
    if extra_ports:
        container = run.pod.container
        container.setdefault("ports", [])
        for p in extra_ports:
            container["ports"].append({"name": p["name"], "containerPort": int(p["servicePort"]), "protocol": "TCP"})
    selector = selector_labels(res, kind)
    autoscaling = block.get("autoScaling") or block.get("autoscaling")
    replicas = int(block.get("replicas", 1))
    pod_spec = run.pod.spec(priority_class=ctx.workspaces.priority_class)
    ha = block.get("highAvailabilityConfig")
    if ha:
        pod_spec["topologySpreadConstraints"] = [{
            "maxSkew": 1,
            "topologyKey": TOPOLOGY_KEYS[ha["level"]],
            "whenUnsatisfiable": "DoNotSchedule" if ha.get("mode") == "required" else "ScheduleAnyway",
            "labelSelector": {"matchLabels": selector},
        }]
    template_meta = {"labels": {**metadata(res, "x", component=kind)["labels"]},
                     "annotations": metadata(res, "x")["annotations"]}
    deployment_spec: dict[str, Any] = {
        "selector": {"matchLabels": selector},
        "template": {"metadata": template_meta, "spec": pod_spec},
        "revisionHistoryLimit": 5,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
    }
    if not (autoscaling and autoscaling.get("enabled", True)):
        deployment_spec["replicas"] = replicas
    objects = list(run.objects)
    skips = {}
    if kind == "worker":
        reason = "a Worker serves no port, so there is no endpoint to probe; Kubernetes restarts it when it exits"
        skips.update({"CKV_K8S_8": reason, "CKV_K8S_9": reason})
    if secrets_in_env(run.pod.container):
        skips["CKV_K8S_35"] = ("the Resource asks for these secrets as environment variables (dataosSecrets "
                               "consumptionType envVars, the DataOS default); propFile or file mounts them as files")
    skips.update(declared_exceptions(run.stack.ref, run.stack.image, run.pod.container))
    objects.append(obj("apps/v1", "Deployment", metadata(res, res.name, component=kind,
                                                         extra_annotations=checkov_skips(skips)),
                       spec=deployment_spec))

    if kind == "service" and port is not None:
        main_port = run.pod.container["ports"][0]["name"]
        ports = [{"name": main_port, "port": int(port["servicePort"]), "targetPort": main_port, "protocol": "TCP"}]
        ports += [{"name": p["name"], "port": int(p["servicePort"]), "targetPort": p["name"], "protocol": "TCP"}
                  for p in extra_ports]
        objects.append(obj("v1", "Service", metadata(res, res.name, component=kind),
                           spec={"type": "ClusterIP", "selector": selector, "ports": ports}))
        ingress = block.get("ingress") or {}
        if ingress.get("enabled"):
            gateway = require(ctx.gateway, res, "the platform Gateway (ingress)")
            idx.need(res.workspace, "ingress")
            path = ingress["path"]
            rule: dict[str, Any] = {
                "matches": [{"path": {"type": "PathPrefix", "value": path}}],
                "backendRefs": [{"name": res.name, "port": int(port["servicePort"])}],
            }
            if ingress.get("stripPath"):
                rule["filters"] = [{"type": "URLRewrite", "urlRewrite": {
                    "path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}]
            annotations = {"cloudkernel.io/authentication": "none" if ingress.get("noAuthentication") else "required"}
            objects.append(obj("gateway.networking.k8s.io/v1", "HTTPRoute",
                               metadata(res, res.name, component=kind, extra_annotations=annotations),
                               spec={"parentRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                                     "name": gateway.name, "namespace": gateway.namespace,
                                                     "sectionName": gateway.https_listener}],
                                     "hostnames": [ctx.domain],
                                     "rules": [rule]}))
            if not ingress.get("noAuthentication"):
                objects.append(security_policy(idx, res, res.name, path, kind))
    if autoscaling and autoscaling.get("enabled", True):
        metrics = [{"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": int(autoscaling.get("targetCPUUtilizationPercentage", 80))}}}]
        if autoscaling.get("targetMemoryUtilizationPercentage") is not None:
            metrics.append({"type": "Resource", "resource": {"name": "memory", "target": {
                "type": "Utilization", "averageUtilization": int(autoscaling["targetMemoryUtilizationPercentage"])}}})
        minimum = max(1, int(autoscaling.get("minReplicas", 1)))
        maximum = int(autoscaling.get("maxReplicas") or max(minimum, replicas, 1) * 2)
        objects.append(obj("autoscaling/v2", "HorizontalPodAutoscaler", metadata(res, res.name, component=kind),
                           spec={"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": res.name},
                                 "minReplicas": minimum, "maxReplicas": max(maximum, minimum), "metrics": metrics}))
        replicas = max(replicas, minimum)
    if replicas > 1:
        objects.append(obj("policy/v1", "PodDisruptionBudget", metadata(res, res.name, component=kind),
                           spec={"selector": {"matchLabels": selector}, "maxUnavailable": 1}))
    return objects
