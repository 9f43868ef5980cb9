"""Every pod the compiler emits follows the platform's pod rules (Pod Security "restricted" and more):
non-root, RuntimeDefault seccomp, no privilege escalation, all capabilities dropped, read-only root
filesystem unless the Stack declares otherwise (then /tmp is still an emptyDir), requests and limits on every
container, probes on containers serving a port, no service-account token, the §3.9 runtime env on runnables.
Checked on Deployments, Jobs, Argo Workflow/CronWorkflow templates and SparkApplication driver/executor."""

from __future__ import annotations

import functools

import yaml

from core_kernel.context import PlatformContext
from tests.schema.test_compiled_objects import conformance_results
from user_space.plan_objects import load_and_compile

CTX = PlatformContext.sample()
RUNTIME_ENV = {"DATAOS_NAME", "DATAOS_RESOURCE_ID", "DATAOS_RUN_ID", "DATAOS_TYPE", "DATAOS_WORKSPACE",
               "DATAOS_FQDN", "DATAOS_STAMP", "DATAOS_UID", "DATAOS_IS_DRY_RUN", "RUNNABLE_TYPE", "LOG_LEVEL",
               "DATAOS_LOG_LEVEL", "DEPOT_SERVICE_URL", "METIS_URL", "DATAOS_CONFIG_DIR", "DATAOS_SECRET_DIR",
               "DATAOS_TEMP_DIR", "RUNNABLE_ARTIFACT_DIR", "PULSAR_SERVICE_URL", "MINERVA_TCP_HOST"}
WRITABLE_ROOT_IMAGES = {"ghcr.io/turbot/steampipe"}  # the Stack declares readOnlyRootFilesystem: false


def pods(obj: dict) -> list[tuple[str, dict, dict | None]]:
    """(where, pod-level fields, pod security context) for every pod template in an object."""
    kind = obj["kind"]
    name = f"{kind}/{obj['metadata']['name']}"
    if kind in ("Deployment", "Job"):
        spec = obj["spec"]["template"]["spec"]
        return [(name, {"containers": spec["containers"], "initContainers": spec.get("initContainers", []),
                        "automount": spec.get("automountServiceAccountToken"), "volumes": spec["volumes"]},
                 spec["securityContext"])]
    out = []
    if kind in ("Workflow", "CronWorkflow"):
        wf = obj["spec"].get("workflowSpec", obj["spec"])
        assert wf["automountServiceAccountToken"] is False
        for t in wf["templates"]:
            if "container" in t:
                out.append((f"{name}:{t['name']}", {"containers": [t["container"]],
                                                     "initContainers": t.get("initContainers", []),
                                                     "automount": t.get("automountServiceAccountToken"),
                                                     "volumes": t["volumes"]}, t["securityContext"]))
            manifest = (t.get("resource") or {}).get("manifest")
            if manifest:
                app = yaml.safe_load(manifest)
                for role in ("driver", "executor"):
                    part = app["spec"][role]
                    container = {"name": role, "securityContext": part["securityContext"], "env": part["env"],
                                 "volumeMounts": part["volumeMounts"],
                                 "resources": {"requests": {"cpu": part["cores"], "memory": part["memory"]},
                                               "limits": {"cpu": part["coreLimit"], "memory": part["memoryLimit"]}}}
                    out.append((f"{name}:{t['name']}:{role}", {"containers": [container], "initContainers": [],
                                                                "automount": False, "volumes": app["spec"]["volumes"]},
                                part["podSecurityContext"]))
    return out


def check_pod(where: str, pod: dict, pod_sc: dict) -> list[str]:
    bad = []
    if pod_sc.get("runAsNonRoot") is not True or not pod_sc.get("runAsUser"):
        bad.append(f"{where}: pod must run as a non-root uid")
    if (pod_sc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        bad.append(f"{where}: pod seccomp must be RuntimeDefault")
    if pod["automount"] is not False:
        bad.append(f"{where}: automountServiceAccountToken must be false")
    tmp_volumes = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
    for c in pod["containers"] + pod["initContainers"]:
        sc = c.get("securityContext") or {}
        cw = f"{where}/{c['name']}"
        if sc.get("allowPrivilegeEscalation") is not False:
            bad.append(f"{cw}: allowPrivilegeEscalation must be false")
        if (sc.get("capabilities") or {}).get("drop") != ["ALL"] or (sc.get("capabilities") or {}).get("add"):
            bad.append(f"{cw}: must drop ALL capabilities and add none")
        if sc.get("privileged"):
            bad.append(f"{cw}: privileged")
        if sc.get("runAsUser") == 0:
            bad.append(f"{cw}: runs as root")
        image = str(c.get("image", ""))
        if sc.get("readOnlyRootFilesystem") is not True and image.split(":")[0] not in WRITABLE_ROOT_IMAGES:
            bad.append(f"{cw}: root filesystem must be read-only")
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        if c["name"] not in ("driver", "executor") and mounts.get("/tmp") not in tmp_volumes | {"tmp"}:
            bad.append(f"{cw}: /tmp must be an emptyDir")
        res = c.get("resources") or {}
        for kind in ("requests", "limits"):
            for key in ("cpu", "memory"):
                if key not in (res.get(kind) or {}):
                    bad.append(f"{cw}: missing {kind}.{key}")
        if c.get("ports") and not (c.get("readinessProbe") and c.get("livenessProbe")):
            bad.append(f"{cw}: serves a port without readiness and liveness probes")
    return bad


@functools.lru_cache(maxsize=1)
def example_objects() -> list[dict]:
    loaded = load_and_compile(["examples/workspaces"], CTX)
    assert loaded.result.errors == []
    return loaded.result.objects


def test_example_pods_follow_the_rules():
    objs = example_objects()
    found = [p for o in objs for p in pods(o)]
    kinds = {w.split("/")[0] for w, _, _ in found}
    assert {"Deployment", "Job", "CronWorkflow"} <= kinds
    assert any(w.endswith(":driver") for w, _, _ in found) and any(w.endswith(":executor") for w, _, _ in found)
    problems = [p for where, pod, sc in found for p in check_pod(where, pod, sc)]
    assert problems == []


def test_conformance_pods_follow_the_rules():
    problems, count = [], 0
    for name, result in conformance_results().items():
        for obj in result.objects:
            for where, pod, sc in pods(obj):
                count += 1
                problems += [f"{name}: {p}" for p in check_pod(where, pod, sc)]
    assert count > 100
    assert problems == []


def test_runnables_get_the_runtime_env_contract():
    for obj in example_objects():
        for where, pod, _ in pods(obj):
            labels = obj["metadata"]["labels"]
            if labels.get("cloudkernel.io/resource-type") not in ("workflow", "service", "worker"):
                continue
            names = {e["name"] for e in pod["containers"][0]["env"]}
            assert RUNTIME_ENV <= names, (where, sorted(RUNTIME_ENV - names))


def test_check_pod_detects_violations():
    obj = next(o for o in example_objects() if o["kind"] == "Deployment")
    ((where, pod, sc),) = pods(obj)
    broken = {**pod, "containers": [{**pod["containers"][0], "securityContext": {"privileged": True}}]}
    assert len(check_pod(where, broken, {"runAsNonRoot": False})) >= 4
