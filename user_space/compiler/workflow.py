"""Workflow -> Argo `Workflow` (single run) or `CronWorkflow` (scheduled).

Each DAG job becomes one template; its Stack decides which: a container template (pod stacks), or a
`resource` template creating the Stack's custom resource (Flare -> a Spark operator `SparkApplication`,
which Argo watches until its success/failure condition). `dependencies` -> DAG dependencies, `retry` ->
`retryStrategy` (strategy -> retryPolicy), `schedule.concurrencyPolicy`/`timezone` -> the CronWorkflow's,
`schedule.endOn` -> a `when` expression that stops scheduling after that instant.
Nested workflows (a DAG job whose `file:` is a whole Workflow) become nested DAG templates.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from user_space.compiler.common import CompileError, Res, dns_name, metadata, obj, require
from user_space.compiler.index import Index
from user_space.compiler.pods import RUNNER_SERVICE_ACCOUNT, resources_for
from user_space.compiler.runnable import compile_runnable, payload_of, resolve_stack

EXECUTOR_SERVICE_ACCOUNT = "argo-executor"
SPARK_SERVICE_ACCOUNT = "spark"
RETRY_POLICY = {"Always": "Always", "OnFailure": "OnFailure", "OnError": "OnError",
                "OnTransientError": "OnTransientError"}


def compile_workflow(idx: Index, res: Res) -> list[dict[str, Any]]:
    ctx = idx.context
    require(ctx.workflows, res, "Argo Workflows (the Workflow engine)")
    idx.need(res.workspace, "workflows")
    block = res.block
    templates: list[dict[str, Any]] = []
    objects: list[dict[str, Any]] = []
    entry = _dag(idx, res, block, res.name, templates, objects, prefix="")
    labels = metadata(res, "x", component="workflow")["labels"]
    spec: dict[str, Any] = {
        "entrypoint": entry,
        "serviceAccountName": RUNNER_SERVICE_ACCOUNT,
        "automountServiceAccountToken": False,
        "executor": {"serviceAccountName": EXECUTOR_SERVICE_ACCOUNT},
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532, "fsGroup": 65532,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "podPriorityClassName": ctx.workspaces.batch_priority_class,
        "podMetadata": {"labels": labels},
        "podGC": {"strategy": "OnWorkflowSuccess"},
        "ttlStrategy": {"secondsAfterCompletion": 7 * 24 * 3600},
        "workflowMetadata": {"labels": labels},
        "templates": sorted(templates, key=lambda t: t["name"]),
    }
    if ctx.workflows.controller_instance_id:
        labels = {**labels, "workflows.argoproj.io/controller-instanceid": ctx.workflows.controller_instance_id}
    schedule = block.get("schedule")
    if schedule:
        cron_spec: dict[str, Any] = {
            "schedules": [schedule["cron"]],
            "concurrencyPolicy": schedule.get("concurrencyPolicy", "Allow"),
            "timezone": schedule.get("timezone") or "UTC",
            "startingDeadlineSeconds": 300,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "workflowSpec": spec,
        }
        if schedule.get("endOn"):
            end = str(schedule["endOn"]).replace("+00:00", "Z")
            cron_spec["when"] = f"{{{{= now() < date('{end}') }}}}"
        objects.append(obj("argoproj.io/v1alpha1", "CronWorkflow", metadata(res, res.name, component="workflow",
                           extra_labels=labels), spec=cron_spec))
    else:
        objects.append(obj("argoproj.io/v1alpha1", "Workflow", metadata(res, res.name, component="workflow",
                           extra_labels=labels), spec=spec))
    return objects


def _dag(idx: Index, res: Res, block: dict[str, Any], name: str, templates: list, objects: list, prefix: str) -> str:
    tasks = []
    for job in block.get("dag") or []:
        job_name = job["name"]
        template_name = dns_name(prefix, job_name)
        if job.get("workflow"):
            _dag(idx, res, job["workflow"], job_name, templates, objects, prefix=template_name)
            inner = dns_name(template_name, "dag")
        else:
            spec = job.get("spec")
            if spec is None:
                raise CompileError(res.resource_id, f"workflow.dag[{job_name}]: the job has no spec (file not inlined)")
            inner = template_name
            templates.append(_job_template(idx, res, job, spec, template_name, objects))
        task: dict[str, Any] = {"name": job_name, "template": inner}
        deps = job.get("dependencies") or []
        if isinstance(deps, str):
            deps = [deps]
        if deps:
            task["dependencies"] = sorted(deps)
        tasks.append(task)
    dag_name = dns_name(prefix, "dag") if prefix else "main"
    templates.append({"name": dag_name, "dag": {"tasks": tasks}})
    return dag_name


def _retry(job: dict[str, Any]) -> dict[str, Any] | None:
    retry = job.get("retry")
    if not retry:
        return None
    strategy: dict[str, Any] = {"retryPolicy": RETRY_POLICY[retry.get("strategy", "OnFailure")]}
    if retry.get("count"):
        strategy["limit"] = int(retry["count"])
    backoff = {}
    if retry.get("duration"):
        backoff["duration"] = str(retry["duration"])
        backoff["factor"] = 2
    if retry.get("maxDuration"):
        backoff["maxDuration"] = str(retry["maxDuration"])
    if backoff:
        strategy["backoff"] = backoff
    return strategy


def _job_template(idx: Index, res: Res, job: dict[str, Any], spec: dict[str, Any], name: str,
                  objects: list) -> dict[str, Any]:
    where = f"workflow.dag[{job['name']}].spec"
    stack = resolve_stack(idx, res, spec["stack"], "workflow")
    base = dns_name(res.name, name)
    run = compile_runnable(idx, res, spec, "workflow", base_name=base, container_name="main", where=where,
                           run_id="{{workflow.uid}}")
    objects.extend(run.objects)
    template: dict[str, Any] = {"name": name}
    labels = metadata(res, "x", component=job["name"])["labels"]
    template["metadata"] = {"labels": labels}
    if stack.resource_kind == "sparkoperator.k8s.io/v1beta2/SparkApplication" and stack.builtin:
        spark = require(idx.context.spark, res, "the Spark operator (Flare stack)")
        idx.need(res.workspace, "spark")
        app = spark_application(idx, res, job, spec, run, base, spark.spark_service_account)
        cfg = (stack.config_for("workflow") or {}).get("resourceTemplateConfig") or {}
        template["resource"] = {
            "action": "create",
            "setOwnerReference": True,
            "manifest": yaml.safe_dump(json.loads(json.dumps(app)), sort_keys=True),
            "successCondition": cfg.get("successCondition", "status.applicationState.state == COMPLETED"),
            "failureCondition": cfg.get("failureCondition", "status.applicationState.state == FAILED"),
        }
    elif stack.resource_kind:
        from user_space.compiler.runnable import UnsupportedRunnable

        raise UnsupportedRunnable(f"stack {stack.ref}: resource templates of users' Stacks are not rendered yet")
    else:
        pod = run.pod
        template["container"] = pod.container
        if pod.init_containers:
            template["initContainers"] = pod.init_containers
        template["volumes"] = pod.volumes
        template["securityContext"] = pod.security_context
        if pod.node_selector:
            template["nodeSelector"] = pod.node_selector
        if pod.tolerations:
            template["tolerations"] = pod.tolerations
        template["automountServiceAccountToken"] = False
    retry = _retry(job)
    if retry:
        template["retryStrategy"] = retry
    return template


def spark_application(idx: Index, res: Res, job: dict[str, Any], spec: dict[str, Any], run, base: str,
                      service_account: str) -> dict[str, Any]:
    """The Spark operator `SparkApplication` of a Flare job; its pods follow the same pod rules."""
    payload = payload_of(spec, spec["stack"])
    pod = run.pod
    driver_in = payload.get("driver") or {}
    executor_in = payload.get("executor") or {}
    container = pod.container
    mounts = container["volumeMounts"]
    env = [e for e in container["env"] if "value" in e or "valueFrom" in e]
    common = {
        "env": env,
        "volumeMounts": mounts,
        "securityContext": container["securityContext"] | {"runAsUser": 185, "runAsGroup": 185},
        "podSecurityContext": pod.security_context | {"runAsUser": 185, "runAsGroup": 185, "fsGroup": 185},
        "labels": metadata(res, "x", component=job["name"])["labels"],
    }
    if pod.node_selector:
        common["nodeSelector"] = pod.node_selector
    if pod.tolerations:
        common["tolerations"] = pod.tolerations
    if container.get("envFrom"):
        common["envFrom"] = container["envFrom"]
    requests = resources_for(spec.get("resources"))
    driver = {**common, "cores": int(driver_in.get("cores", 1)), "coreLimit": str(driver_in.get("coreLimit", "1")),
              "memory": str(driver_in.get("memory", "1024m")),
              "memoryLimit": str(driver_in.get("memory", "1024m")), "serviceAccount": service_account,
              "priorityClassName": idx.context.workspaces.batch_priority_class}
    executor = {**common, "cores": int(executor_in.get("cores", 1)),
                "coreLimit": str(executor_in.get("coreLimit", "1")),
                "memory": str(executor_in.get("memory", "1024m")),
                "memoryLimit": str(executor_in.get("memory", "1024m")),
                "instances": int(executor_in.get("instances", 1)),
                "priorityClassName": idx.context.workspaces.batch_priority_class}
    del requests
    conf = {"spark.kubernetes.executor.podNamePrefix": dns_name(base, limit=40),
            "spark.kubernetes.driver.pod.name": None}
    conf = {k: v for k, v in conf.items() if v is not None}
    for key, value in sorted((payload.get("sparkConf") or {}).items()) if isinstance(payload.get("sparkConf"), dict) else []:
        conf[str(key)] = str(value)
    if isinstance(payload.get("sparkConf"), list):
        for item in payload["sparkConf"]:
            if isinstance(item, dict):
                conf.update({str(k): str(v) for k, v in item.items()})
    return {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {"generateName": dns_name(base, limit=40) + "-",
                     "namespace": res.workspace,
                     "labels": metadata(res, "x", component=job["name"])["labels"]},
        "spec": {
            "type": "Scala",
            "mode": "cluster",
            "image": pod.container["image"],
            "imagePullPolicy": pod.container["imagePullPolicy"],
            "mainClass": "io.cloudkernel.flare.Main",
            "mainApplicationFile": "local:///opt/flare/flare.jar",
            "arguments": ["--config", "/etc/dataos/config/jobconfig.yaml"],
            "sparkVersion": "3.5.3",
            "restartPolicy": {"type": "Never"},
            "sparkConf": dict(sorted(conf.items())),
            "volumes": pod.volumes,
            "driver": driver,
            "executor": executor,
        },
    }
