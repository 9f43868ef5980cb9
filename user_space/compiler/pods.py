"""The pod-template builder every runnable shares (Workflow jobs, Services, Workers, Database/Lakehouse jobs).

Every pod it builds is secure by default and passes Pod Security "restricted":
non-root (`runAsNonRoot`, a fixed non-root uid), `RuntimeDefault` seccomp, no privilege escalation, all
capabilities dropped, read-only root filesystem unless the Stack says its image needs a writable one
(then `/tmp` and the DataOS dirs are emptyDirs anyway), requests and limits on every container, probes
where it serves a port, and no service-account token unless the pod needs the Kubernetes API.

It also injects the runtime contract of dataos-resources.md §3.9: the `DATAOS_*` environment, the config
dir `/etc/dataos/config` (the Stack's rendered files), secrets under `/etc/dataos/secret`, temp data under
`/var/dataos/temp_data` and the work dir `/etc/dataos/work`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from core_kernel.naming import WORKSPACE_RUNNER_SERVICE_ACCOUNT
from user_space.compiler.common import CompileError, Res, dns_name, short_hash
from user_space.compiler.index import Index
from user_space.compiler.stacks import StackDef
from user_space.model.udl import UdlError, parse_udl

CONFIG_DIR = "/etc/dataos/config"
SECRET_DIR = "/etc/dataos/secret"
TEMP_DIR = "/var/dataos/temp_data"
WORK_DIR = "/etc/dataos/work"
DEPOT_DIR = "/etc/dataos/depots"
RUNNER_SERVICE_ACCOUNT = WORKSPACE_RUNNER_SERVICE_ACCOUNT
NON_ROOT_UID = 65532
PROPERTIES_KEY = "secret.properties"

DEFAULT_RESOURCES = {
    "requests": {"cpu": "100m", "memory": "256Mi"},
    "limits": {"cpu": "1", "memory": "1Gi"},
}
# Well-known Compute names of DataOS -> the context's node pool they land on when not declared.
#: Every container pulls its image each time a pod starts: a node's cached copy of a private image is never
#: handed to a pod whose workspace lacks the pull credentials, and a moved tag is noticed (CKV_K8S_15).
PULL_POLICY = "Always"
WELL_KNOWN_COMPUTE = {"runnable-default": "runnable", "query-default": "query", "gpu": "gpu"}
SYSTEM_POOL = "system"


def default_pool(ctx: Any, purpose: str) -> str | None:
    """The node pool a Compute purpose lands on: a GPU pool for `gpu`; otherwise the pool named `general`,
    else the first workload pool (not `system`, not GPU), untainted ones first."""
    pools = ctx.node_pools
    if purpose == "gpu":
        return next((n for n, p in sorted(pools.items()) if p.gpu), None)
    if "general" in pools:
        return "general"
    workload = sorted((bool(p.taints), n) for n, p in pools.items() if n != SYSTEM_POOL and not p.gpu)
    return workload[0][1] if workload else None

_UDL_IN_TEXT = re.compile(r"dataos://[a-z][a-z0-9]*(?::[A-Za-z0-9_][A-Za-z0-9_.$-]*(?:/[^\s?'\"]*)?)?(?:\?acl=rw?)?")


# ----- quantities -------------------------------------------------------------------------------------------
_SUFFIX = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "k": 1e3, "M": 1e6, "G": 1e9,
           "T": 1e12, "P": 1e15, "m": 1e-3, "": 1}


def quantity(text: Any) -> float:
    match = re.fullmatch(r"([0-9.]+)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P|m)?", str(text).strip())
    if not match:
        raise ValueError(f"not a quantity: {text!r}")
    return float(match.group(1)) * _SUFFIX[match.group(2) or ""]


def resources_for(spec_resources: dict[str, Any] | None, defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """Requests and limits for cpu and memory, always both; a limit is never below its request."""
    base = copy.deepcopy(defaults or DEFAULT_RESOURCES)
    given = spec_resources or {}
    given_requests = {k: str(v) for k, v in (given.get("requests") or {}).items()}
    given_limits = {k: str(v) for k, v in (given.get("limits") or {}).items()}
    requests = {**base["requests"], **given_requests}
    limits = {**base["limits"], **given_limits}
    for key in sorted(set(requests) | set(limits)):
        if key not in limits:
            limits[key] = requests[key]
        elif key not in requests:
            requests[key] = limits[key]
        elif quantity(limits[key]) < quantity(requests[key]):
            if key in given_limits and key not in given_requests:
                requests[key] = limits[key]  # the user's limit wins over a default request
            else:
                limits[key] = requests[key]  # the user's request wins over a default (or smaller) limit
    return {"limits": dict(sorted(limits.items())), "requests": dict(sorted(requests.items()))}


# ----- security -----------------------------------------------------------------------------------------------
def pod_security_context(uid: int = NON_ROOT_UID) -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context(read_only_root: bool = True) -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": read_only_root,
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def harden(container: dict[str, Any], overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Apply the restricted security context; a Stack may relax only readOnlyRootFilesystem and pick a uid."""
    sc = container_security_context()
    wanted = (overrides or {}).get("securityContext") or {}
    if wanted.get("readOnlyRootFilesystem") is False:
        sc["readOnlyRootFilesystem"] = False
    for key in ("runAsUser", "runAsGroup"):
        if isinstance(wanted.get(key), int) and (key != "runAsUser" or wanted[key] > 0):
            sc[key] = wanted[key]
    container["securityContext"] = dict(sorted(sc.items()))
    return container


#: checkov's threshold for a uid that cannot clash with a host user (CKV_K8S_40).
HIGH_UID = 10000


def declared_exceptions(stack_ref: str, stack_image: str | None, container: dict[str, Any]) -> dict[str, str]:
    """checkov checks a container fails because its Stack or its Resource declared so, with that declaration as
    the reason (`checkov_skips`): a Stack's writable root or image user (containerResourceTemplate), or the
    Resource's own image given by tag (the container stack's stackSpec.image). Anything else must pass."""
    reasons: dict[str, str] = {}
    sc = container.get("securityContext") or {}
    if sc.get("readOnlyRootFilesystem") is False:
        reasons["CKV_K8S_22"] = f"the Stack {stack_ref} declares that its image writes to its root filesystem"
    uid = sc.get("runAsUser")
    if isinstance(uid, int) and uid < HIGH_UID:
        reasons["CKV_K8S_40"] = f"the Stack {stack_ref} runs its image as the image's own user {uid}"
    image = container.get("image") or ""
    if image != stack_image and "@sha256:" not in image:
        reasons["CKV_K8S_43"] = ("the image is the Resource's own (stackSpec.image), given by tag in its manifest; "
                                 "write image:tag@sha256:<digest> there to pin it")
    return reasons


# ----- placement ----------------------------------------------------------------------------------------------
def placement(idx: Index, res: Res, compute_name: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """nodeSelector and tolerations of the cloud-kernel node pool a Compute lands on."""
    ctx = idx.context
    compute = idx.find("compute", compute_name)
    pool_name: str | None = None
    if compute is not None:
        block = compute.block
        selector = (block.get("nodePool") or {}).get("nodeSelector") or {}
        for name, pool in sorted(ctx.node_pools.items()):
            if pool.labels and all(selector.get(k) == v for k, v in pool.labels.items()):
                pool_name = name
                break
        if pool_name is None:
            pool_name = default_pool(ctx, block.get("purpose", "runnable"))
    elif compute_name in ctx.node_pools:
        pool_name = compute_name
    elif compute_name in WELL_KNOWN_COMPUTE:
        pool_name = default_pool(ctx, WELL_KNOWN_COMPUTE[compute_name])
    if pool_name is None or pool_name not in ctx.node_pools:
        known = ", ".join(sorted(set(ctx.node_pools) | set(WELL_KNOWN_COMPUTE) | {c.name for c in idx.of_type("compute")}))
        raise CompileError(res.resource_id, f"compute {compute_name!r} maps to no node pool here (known: {known})")
    pool = ctx.node_pools[pool_name]
    return pool.node_selector(), pool.tolerations()


# ----- secrets, volumes, depots -----------------------------------------------------------------------------
@dataclass
class PodParts:
    env: list[dict[str, Any]] = field(default_factory=list)
    env_from: list[dict[str, Any]] = field(default_factory=list)
    volumes: list[dict[str, Any]] = field(default_factory=list)
    mounts: list[dict[str, Any]] = field(default_factory=list)
    init_containers: list[dict[str, Any]] = field(default_factory=list)
    config_files: dict[str, str] = field(default_factory=dict)
    depots: list[str] = field(default_factory=list)

    def add_volume(self, volume: dict[str, Any], mount: dict[str, Any] | None = None) -> None:
        if all(v["name"] != volume["name"] for v in self.volumes):
            self.volumes.append(volume)
        if mount is not None and all(m["mountPath"] != mount["mountPath"] for m in self.mounts):
            self.mounts.append(mount)


def secret_k8s_name(idx: Index, res: Res, ref: dict[str, Any] | str) -> tuple[str, Res | None]:
    """The Secret (in the pod's namespace) a secret reference resolves to, and the declaring Resource."""
    ref = {"name": ref} if isinstance(ref, str) else ref
    name, ws = ref["name"], ref.get("workspace")
    if ws and ws != res.workspace:
        raise CompileError(res.resource_id, f"secret {name!r} of workspace {ws!r} is not visible from "
                                            f"workspace {res.workspace!r}; use an Instance Secret")
    declared = idx.find("secret", name, res.workspace)
    if declared is not None or ws:
        return name, declared
    instance = idx.find("instance-secret", name)
    if instance is not None:
        idx.secret_imports.add((res.workspace, name))
        return instance_secret_name(name), instance
    return name, None


def instance_secret_name(name: str) -> str:
    return dns_name("instance", name, limit=253)


def _secret_keys(declared: Res | None) -> list[str]:
    if declared is None:
        return []
    return sorted((declared.block.get("data") or {}) | (declared.block.get("files") or {}))


def consume_secret(idx: Index, res: Res, parts: PodParts, ref: dict[str, Any] | str, default: str = "envVars") -> None:
    ref = {"name": ref, "allKeys": True} if isinstance(ref, str) else ref
    k8s_name, declared = secret_k8s_name(idx, res, ref)
    keys = list(ref.get("keys") or []) + ([ref["key"]] if ref.get("key") else [])
    how = ref.get("consumptionType") or default
    known = _secret_keys(declared)
    if declared is not None:
        missing = [k for k in keys if k not in known]
        if missing:
            raise CompileError(res.resource_id, f"secret {ref['name']!r} has no key(s) {', '.join(missing)}")
    if how == "envVars":
        if keys and not ref.get("allKeys"):
            for key in keys:
                parts.env.append({"name": env_name(key), "valueFrom": {"secretKeyRef": {"name": k8s_name, "key": key}}})
        else:
            parts.env_from.append({"secretRef": {"name": k8s_name}})
        return
    volume = dns_name("secret", ref["name"])
    if how == "propFile":
        source = {"secretName": k8s_name, "items": [{"key": PROPERTIES_KEY, "path": f"{ref['name']}.properties"}]}
        parts.add_volume({"name": volume, "secret": source},
                         {"name": volume, "mountPath": f"{SECRET_DIR}/{ref['name']}.properties",
                          "subPath": f"{ref['name']}.properties", "readOnly": True})
        return
    source: dict[str, Any] = {"secretName": k8s_name}
    if keys and not ref.get("allKeys"):
        source["items"] = [{"key": k, "path": k} for k in keys]
    parts.add_volume({"name": volume, "secret": source},
                     {"name": volume, "mountPath": f"{SECRET_DIR}/{ref['name']}", "readOnly": True})


def env_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", key).upper()


def mount_volumes(idx: Index, res: Res, parts: PodParts, spec: dict[str, Any]) -> None:
    from user_space.compiler.volume import pvc_name

    def claim(name: str) -> str:
        # A Volume declared elsewhere (applied before, or in another folder) has the same claim name.
        return pvc_name(name)

    for vol in spec.get("dataosVolumes") or []:
        vname = dns_name("vol", vol["name"])
        mount = {"name": vname, "mountPath": vol["directory"], "readOnly": bool(vol.get("readOnly"))}
        if vol.get("subPath"):
            mount["subPath"] = vol["subPath"].lstrip("/")
        parts.add_volume({"name": vname, "persistentVolumeClaim": {"claimName": claim(vol["name"])}}, mount)
    pv = spec.get("persistentVolume")
    if pv:
        vname = dns_name("vol", pv["name"])
        mount = {"name": vname, "mountPath": pv["directory"], "readOnly": bool(pv.get("readOnly"))}
        if pv.get("subPath"):
            mount["subPath"] = pv["subPath"].lstrip("/")
        parts.add_volume({"name": vname, "persistentVolumeClaim": {"claimName": claim(pv["name"])}}, mount)
    temp = spec.get("tempVolume")
    if temp:
        parts.add_volume({"name": "temp-data", "persistentVolumeClaim": {"claimName": claim(temp)}},
                         {"name": "temp-data", "mountPath": TEMP_DIR})
    else:
        parts.add_volume({"name": "temp-data", "emptyDir": {"sizeLimit": "2Gi"}},
                         {"name": "temp-data", "mountPath": TEMP_DIR})


def find_udls(value: Any) -> list[str]:
    found: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for item in v.values():
                walk(item)
        elif isinstance(v, list):
            for item in v:
                walk(item)
        elif isinstance(v, str) and "dataos://" in v:
            found.update(_UDL_IN_TEXT.findall(v))

    walk(value)
    return sorted(found)


def resolve_depots(idx: Index, res: Res, parts: PodParts, payload: Any, projection: str) -> None:
    """Project the connection ConfigMap and credentials of every declared Depot a UDL in `payload` names."""
    depots = idx.depots()
    wanted: dict[str, str] = {}
    for text in find_udls(payload):
        try:
            udl = parse_udl(text)
        except UdlError:
            continue
        if udl.depot in depots:
            wanted[udl.depot] = "rw" if udl.acl == "rw" or wanted.get(udl.depot) == "rw" else "r"
    for depot, acl in sorted(wanted.items()):
        facts = depots[depot]
        idx.depot_imports.add((res.workspace, depot))
        for feature in facts.get("needs", ()):
            idx.need(res.workspace, feature)
        vname = dns_name("depot", depot)
        parts.add_volume({"name": vname, "configMap": {"name": depot_configmap_name(depot)}},
                         {"name": vname, "mountPath": f"{DEPOT_DIR}/{depot}", "readOnly": True})
        parts.depots.append(depot)
        for secret in facts["secrets"]:
            name = secret["name"]
            if acl == "r" and name.endswith("-rw") and any(s["name"] == name[:-3] + "-r" for s in facts["secrets"]):
                continue  # read access takes the -r credential when the depot has both
            if acl == "rw" and name.endswith("-r") and any(s["name"] == name + "w" for s in facts["secrets"]):
                continue
            consume_secret(idx, res, parts, {**secret, "allKeys": True}, default=projection)


def depot_configmap_name(depot: str) -> str:
    return dns_name("depot", depot, limit=253)


# ----- the runtime contract ---------------------------------------------------------------------------------
def runtime_env(idx: Index, res: Res, spec: dict[str, Any], orchestrator: str, run_id: dict[str, Any] | str,
                config_name: str | None) -> list[dict[str, Any]]:
    ctx = idx.context
    fqdn = ctx.domain
    stamp = "-" + short_hash(res.resource_id, 4)
    level = spec.get("logLevel", "INFO")
    values: dict[str, Any] = {
        "DATAOS_NAME": res.name,
        "DATAOS_RESOURCE_ID": res.resource_id,
        "DATAOS_TYPE": res.type,
        "DATAOS_WORKSPACE": res.workspace,
        "DATAOS_FQDN": fqdn,
        "DATAOS_TAGS": ",".join(str(t) for t in res.data.get("tags") or []),
        "DATAOS_DESCRIPTION": res.data.get("description", ""),
        "DATAOS_STAMP": stamp,
        "DATAOS_IS_DRY_RUN": "true" if spec.get("dryRun") else "false",
        "RUNNABLE_TYPE": orchestrator,
        "LOG_LEVEL": level,
        "DATAOS_LOG_LEVEL": level,
        "DEPOT_SERVICE_URL": f"https://{fqdn}/ds",
        "METIS_URL": f"https://{fqdn}/metis",
        "METIS_AUTH_PROVIDER": "dataos-apikey",
        "MINERVA_TCP_HOST": f"tcp.{fqdn}",
        "MINERVA_TCP_PORT": "7432",
        "MINERVA_JDBC_URL": f"jdbc:trino://tcp.{fqdn}:7432",
        "PULSAR_SERVICE_URL": f"pulsar+ssl://tcp.{fqdn}:6651",
        "DATAOS_CONFIG_DIR": CONFIG_DIR,
        "DATAOS_SECRET_DIR": SECRET_DIR,
        "DATAOS_TEMP_DIR": TEMP_DIR,
        "RUNNABLE_ARTIFACT_DIR": WORK_DIR,
    }
    if spec.get("runAsUser"):
        values["DATAOS_RUN_AS_USER"] = spec["runAsUser"]
    env = [{"name": k, "value": str(v)} for k, v in values.items()]
    env.append({"name": "DATAOS_UID", "valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}})
    if isinstance(run_id, dict):
        env.append({"name": "DATAOS_RUN_ID", **run_id})
    else:
        env.append({"name": "DATAOS_RUN_ID", "value": run_id})
    if spec.get("runAsApiKey") and config_name:
        env.append({"name": "DATAOS_RUN_AS_APIKEY",
                    "valueFrom": {"secretKeyRef": {"name": f"{config_name}-runas", "key": "apikey"}}})
    return sorted(env, key=lambda e: e["name"])


# ----- the pod ------------------------------------------------------------------------------------------------
@dataclass
class Pod:
    container: dict[str, Any]
    init_containers: list[dict[str, Any]]
    volumes: list[dict[str, Any]]
    node_selector: dict[str, str]
    tolerations: list[dict[str, Any]]
    security_context: dict[str, Any]
    config_files: dict[str, str]
    config_name: str
    port: dict[str, Any] | None
    depots: list[str]

    def spec(self, *, service_account: str = RUNNER_SERVICE_ACCOUNT, priority_class: str | None = None,
             restart_policy: str | None = None) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "automountServiceAccountToken": False,
            "serviceAccountName": service_account,
            "securityContext": self.security_context,
            "containers": [self.container],
            "volumes": self.volumes,
            "enableServiceLinks": False,
        }
        if self.init_containers:
            spec["initContainers"] = self.init_containers
        if self.node_selector:
            spec["nodeSelector"] = self.node_selector
        if self.tolerations:
            spec["tolerations"] = self.tolerations
        if priority_class:
            spec["priorityClassName"] = priority_class
        if restart_policy:
            spec["restartPolicy"] = restart_policy
        return spec


def base_volumes(parts: PodParts, config_name: str | None) -> None:
    parts.add_volume({"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}, {"name": "tmp", "mountPath": "/tmp"})
    parts.add_volume({"name": "work", "emptyDir": {"sizeLimit": "1Gi"}}, {"name": "work", "mountPath": WORK_DIR})
    if config_name:
        parts.add_volume({"name": "dataos-config", "configMap": {"name": config_name}},
                         {"name": "dataos-config", "mountPath": CONFIG_DIR, "readOnly": True})


def build_pod(idx: Index, res: Res, spec: dict[str, Any], stack: StackDef, orchestrator: str, *,
              config_name: str, container_name: str, payload: dict[str, Any], config_files: dict[str, str],
              overrides: dict[str, Any], image: str | None = None, command: list[str] | None = None,
              arguments: list[str] | None = None, extra_env: list[dict[str, Any]] | None = None,
              run_id: dict[str, Any] | str | None = None, port: dict[str, Any] | None = None) -> Pod:
    """The pod of one runnable (a Service's replicas, a Worker's replicas, one Workflow job)."""
    parts = PodParts(config_files=dict(config_files))
    node_selector, tolerations = placement(idx, res, spec["compute"])
    base_volumes(parts, config_name if config_files else None)
    mount_volumes(idx, res, parts, spec)
    for ref in spec.get("secrets") or []:
        consume_secret(idx, res, parts, ref)
    for ref in spec.get("dataosSecrets") or []:
        consume_secret(idx, res, parts, ref)
    resolve_depots(idx, res, parts, payload, stack.secret_projection)

    image = image or stack.image
    if not image:
        raise CompileError(res.resource_id, f"stack {stack.ref} has no image and stackSpec gives none")
    env = runtime_env(idx, res, spec, orchestrator,
                      run_id or {"valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}}, config_name)
    fixed = dict(stack.env)
    fixed.update({k: str(v) for k, v in (spec.get("envs") or {}).items()})
    names = {e["name"] for e in env}
    env += [{"name": k, "value": v} for k, v in sorted(fixed.items()) if k not in names]
    env += [e for e in parts.env + (extra_env or []) if e["name"] not in names | set(fixed)]
    container: dict[str, Any] = {
        "name": container_name,
        "image": image,
        "imagePullPolicy": PULL_POLICY,
        "env": env,
        "resources": resources_for(spec.get("resources")),
        "volumeMounts": sorted(parts.mounts, key=lambda m: m["mountPath"]),
    }
    if parts.env_from:
        container["envFrom"] = parts.env_from
    cmd = command if command is not None else list(stack.command)
    args = arguments if arguments is not None else list(stack.arguments)
    if cmd:
        container["command"] = cmd
    if args:
        container["args"] = args
    port = port if port is not None else stack.port
    if port and orchestrator == "service":
        target = int(port.get("targetPort", port.get("servicePort")))
        container["ports"] = [{"name": port.get("name", "http"), "containerPort": target, "protocol": "TCP"}]
        probe_port: Any = port.get("name", "http")
        container["readinessProbe"] = overrides.get("readinessProbe") or {
            "tcpSocket": {"port": probe_port}, "periodSeconds": 10, "failureThreshold": 3}
        container["livenessProbe"] = overrides.get("livenessProbe") or {
            "tcpSocket": {"port": probe_port}, "periodSeconds": 20, "initialDelaySeconds": 10, "failureThreshold": 3}
    harden(container, overrides)
    uid = (overrides.get("securityContext") or {}).get("runAsUser")
    pod_sc = pod_security_context(uid if isinstance(uid, int) and uid > 0 else NON_ROOT_UID)
    for init in parts.init_containers:
        harden(init)
    return Pod(container=container, init_containers=parts.init_containers,
               volumes=sorted(parts.volumes, key=lambda v: v["name"]), node_selector=node_selector,
               tolerations=tolerations, security_context=pod_sc, config_files=parts.config_files,
               config_name=config_name, port=port, depots=parts.depots)


def small_container(name: str, image: str, command: list[str], env: list[dict[str, Any]],
                    mounts: list[dict[str, Any]], resources: dict[str, Any] | None = None) -> dict[str, Any]:
    """A hardened utility container (git-sync, migration, catalog calls)."""
    container = {
        "name": name,
        "image": image,
        "imagePullPolicy": PULL_POLICY,
        "command": command,
        "env": env,
        "resources": resources_for(resources, {"requests": {"cpu": "50m", "memory": "64Mi"},
                                               "limits": {"cpu": "500m", "memory": "256Mi"}}),
        "volumeMounts": mounts,
    }
    return harden(container)


# ----- workload identity opt-in -----------------------------------------------------------------------------
def _pod_templates(o: dict[str, Any]) -> list[tuple[dict[str, Any], str, str | None]]:
    """(parent, key of the labels holder in it, service account) for every pod an object will create."""
    spec = o.get("spec") or {}
    kind = o.get("kind")
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        template = spec.get("template") or {}
        return [(template, "metadata", (template.get("spec") or {}).get("serviceAccountName"))]
    if kind == "CronJob":
        template = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
        return [(template, "metadata", (template.get("spec") or {}).get("serviceAccountName"))]
    if kind in ("Workflow", "WorkflowTemplate", "CronWorkflow"):
        workflow = spec.get("workflowSpec", spec) if kind == "CronWorkflow" else spec
        return [(workflow, "podMetadata", workflow.get("serviceAccountName"))]
    if kind == "SparkApplication":
        return [(spec, role, spec[role].get("serviceAccount")) for role in ("driver", "executor") if role in spec]
    return []


def add_identity_pod_labels(objects: list[dict[str, Any]], ctx: Any) -> None:
    """Label every pod that runs as a service account bound to a cloud identity with the cloud's opt-in labels
    (`PlatformContext.workspaces.identity_pod_labels`; none on AWS)."""
    labels = ctx.workspaces.identity_pod_labels
    if not labels:
        return
    for o in objects:
        namespace = (o.get("metadata") or {}).get("namespace")
        for parent, key, service_account in _pod_templates(o):
            if service_account and ctx.identity_for(namespace, service_account) is not None:
                holder = parent.setdefault(key, {})
                holder["labels"] = dict(sorted({**(holder.get("labels") or {}), **labels}.items()))
