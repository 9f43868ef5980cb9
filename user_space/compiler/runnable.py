"""One runnable (a Service, a Worker, a Workflow job) on its Stack: stackSpec checked, config rendered, pod built.

Engine adapters give the built-in Stacks what a template alone can't: the container stack takes the
image from stackSpec, beacon wires PostgREST to its Database's credentials, python3 clones the repo with
git-sync, soda/dbt render their own files, the CLI stack takes its argv from stackSpec. Users' Stacks run
through the generic path (image, command, arguments, configFileTemplate, containerResourceTemplate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jsonschema
import yaml

from user_space.compiler import stacks as stack_mod
from user_space.compiler.common import CompileError, Res, Unsupported, dns_name, metadata, obj
from user_space.compiler.images import GIT_SYNC_IMAGE
from user_space.compiler.index import Index
from user_space.compiler.pods import WORK_DIR, Pod, build_pod, small_container
from user_space.compiler.stacks import StackDef



class UnsupportedRunnable(Exception):
    """Raised with a reason when a runnable can't compile yet (the dispatcher reports `Unsupported`)."""


@dataclass
class Runnable:
    stack: StackDef
    pod: Pod
    objects: list[dict[str, Any]]


def payload_of(spec: dict[str, Any], stack_ref: str) -> dict[str, Any]:
    if spec.get("stackSpec") is not None:
        return spec["stackSpec"]
    name_flavor = stack_ref.split(":")[0]
    for key in name_flavor.split("+"):
        if isinstance(spec.get(key), dict):
            return spec[key]
    return {}


def resolve_stack(idx: Index, res: Res, ref: str, orchestrator: str) -> StackDef:
    try:
        stack = idx.stacks.resolve(ref)
    except stack_mod.UnsupportedStack as exc:
        raise UnsupportedRunnable(str(exc)) from None
    except stack_mod.UnknownStack as exc:
        raise CompileError(res.resource_id, str(exc)) from None
    if stack.config_for(orchestrator) is None and not (stack.builtin and stack.name == "container"):
        raise CompileError(res.resource_id, f"stack {stack.ref} does not run in a {orchestrator}")
    return stack


def payload_problem(stack: StackDef, payload: Any) -> tuple[list[Any], str] | None:
    """The first place where `payload` breaks its Stack's JSON Schema: (path in the payload, message)."""
    if stack.schema is None:
        return None
    validator = jsonschema.validators.validator_for(stack.schema)(stack.schema)
    errors = sorted(validator.iter_errors(payload), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return None
    return list(errors[0].absolute_path), f"{errors[0].message} (schema of stack {stack.ref})"


def check_payload(res: Res, stack: StackDef, payload: dict[str, Any], where: str) -> None:
    problem = payload_problem(stack, payload)
    if problem:
        path = ".".join(str(p) for p in problem[0])
        raise CompileError(res.resource_id, f"{where}.stackSpec{'.' + path if path else ''}: {problem[1]}")


def template_context(res: Res, spec: dict[str, Any], payload: dict[str, Any], idx: Index) -> dict[str, Any]:
    return {
        "Name": res.name, "Type": res.type, "Workspace": res.workspace, "Owner": res.owner,
        "Description": res.data.get("description", ""), "DataOsFqdn": idx.context.domain,
        "ApplicationSpec": {"StackSpec": payload, "LogLevel": spec.get("logLevel", "INFO"),
                            "EnvironmentVars": spec.get("envs") or {}},
    }


def compile_runnable(idx: Index, res: Res, spec: dict[str, Any], orchestrator: str, *, base_name: str,
                     container_name: str = "main", where: str = "", run_id: Any = None,
                     port: dict[str, Any] | None = None) -> Runnable:
    stack = resolve_stack(idx, res, spec["stack"], orchestrator)
    payload = payload_of(spec, spec["stack"])
    check_payload(res, stack, payload, where or res.type)
    config_name = dns_name(base_name, "config", limit=253)
    try:
        files = stack_mod.render_config_files(stack, orchestrator, template_context(res, spec, payload, idx))
        overrides = stack_mod.container_overrides(stack, orchestrator)
    except stack_mod.UnsupportedTemplate as exc:
        raise UnsupportedRunnable(str(exc)) from None
    for key, value in sorted((spec.get("configs") or {}).items()):
        # `configs` entries (inlined file contents or values) are extra files beside the stack's own.
        name = re.sub(r"[^-._a-zA-Z0-9]", "_", str(key))
        files.setdefault(name, value if isinstance(value, str) else yaml.safe_dump(value, sort_keys=True))
    kwargs: dict[str, Any] = {}
    extra_env: list[dict[str, Any]] = []
    init: list[dict[str, Any]] = []
    if stack.builtin:
        adapter = ADAPTERS.get(stack.name)
        if adapter is not None:
            adapter(idx, res, spec, payload, files, kwargs, extra_env, init)
    pod = build_pod(idx, res, spec, stack, orchestrator, config_name=config_name, container_name=container_name,
                    payload=payload, config_files=files, overrides=overrides, extra_env=extra_env,
                    run_id=run_id, port=port, **kwargs)
    if init:
        pod.init_containers = init
        pod.volumes = sorted(pod.volumes, key=lambda v: v["name"])
    objects: list[dict[str, Any]] = []
    if files:
        objects.append(obj("v1", "ConfigMap", metadata(res, config_name, component=container_name),
                           data=dict(sorted(files.items()))))
    if spec.get("runAsApiKey"):
        objects.append(obj("v1", "Secret", metadata(res, f"{config_name}-runas", component=container_name),
                           type="Opaque", stringData={"apikey": str(spec["runAsApiKey"])}))
    return Runnable(stack=stack, pod=pod, objects=objects)


# ----- adapters of the built-in stacks ------------------------------------------------------------------------
def _container(idx, res, spec, payload, files, kwargs, extra_env, init) -> None:
    kwargs["image"] = payload.get("image")
    if not kwargs["image"]:
        raise CompileError(res.resource_id, "the container stack needs stackSpec.image")
    if payload.get("command"):
        kwargs["command"] = [str(c) for c in payload["command"]]
    if payload.get("arguments"):
        kwargs["arguments"] = [str(a) for a in payload["arguments"]]


def _beacon(idx, res, spec, payload, files, kwargs, extra_env, init) -> None:
    from user_space.compiler.database import credentials_secret_name

    source = payload.get("source") or {}
    workspace = source.get("workspace") or res.workspace
    if workspace != res.workspace:
        raise CompileError(res.resource_id, f"beacon source database must be in workspace {res.workspace!r}")
    if not source.get("name"):
        raise CompileError(res.resource_id, "beacon needs stackSpec.source.name (the Database)")
    idx.need(res.workspace, "postgres")
    secret = credentials_secret_name(source["name"])
    extra_env += [
        {"name": "PGRST_DB_URI", "valueFrom": {"secretKeyRef": {"name": secret, "key": "uri"}}},
        {"name": "PGRST_DB_ANON_ROLE", "valueFrom": {"secretKeyRef": {"name": secret, "key": "username"}}},
    ]
    ingress = (res.block.get("ingress") or {})
    if ingress.get("enabled") and ingress.get("path"):
        extra_env.append({"name": "PGRST_OPENAPI_SERVER_PROXY_URI",
                          "value": f"https://{idx.context.domain}{ingress['path']}"})


def _python3(idx, res, spec, payload, files, kwargs, extra_env, init) -> None:
    repo = payload.get("repo") or {}
    flags = [str(f) for f in repo.get("syncFlags") or []]
    env = [{"name": "GITSYNC_REPO", "value": repo["url"]}, {"name": "GITSYNC_ROOT", "value": WORK_DIR},
           {"name": "GITSYNC_LINK", "value": "repo"}, {"name": "GITSYNC_ONE_TIME", "value": "true"}]
    init.append(small_container("git-sync", GIT_SYNC_IMAGE, ["/git-sync", *flags], env,
                                [{"name": "work", "mountPath": WORK_DIR}, {"name": "tmp", "mountPath": "/tmp"}]))
    extra_env.append({"name": "PYTHON_BASE_DIR", "value": str(repo.get("baseDir", "")).strip("/")})


def _soda(idx, res, spec, payload, files, kwargs, extra_env, init) -> None:
    for i, entry in enumerate(payload.get("inputs") or []):
        dataset = str(entry.get("dataset", ""))
        table = dataset.rsplit("/", 1)[-1].split("?")[0] or f"dataset{i}"
        checks = entry.get("checks") or [{"row_count > 0": None}]
        files[f"checks-{i:02d}.yml"] = yaml.safe_dump({f"checks for {table}": checks}, sort_keys=True)
    depots = sorted({d.split(":")[0].removeprefix("dataos://") for d in
                     (str(e.get("dataset", "")) for e in payload.get("inputs") or []) if d.startswith("dataos://")})
    datasource = depots[0] if depots else "default"
    files["configuration.yml"] = yaml.safe_dump(
        {f"data_source {datasource}": {"type": "trino", "host": f"tcp.{idx.context.domain}", "port": 7432,
                                       "catalog": datasource, "username": "${DATAOS_RUN_AS_USER}"}},
        sort_keys=True)
    extra_env.append({"name": "DATAOS_DATASOURCE", "value": datasource})


def _dbt(idx, res, spec, payload, files, kwargs, extra_env, init) -> None:
    files["dbt_project.yml"] = yaml.safe_dump(payload.get("dbt_project") or {}, sort_keys=True)
    if payload.get("dbt_packages"):
        files["packages.yml"] = yaml.safe_dump(payload["dbt_packages"], sort_keys=True)
    kwargs["arguments"] = ["build", "--profiles-dir", "/etc/dataos/config", "--project-dir", "/etc/dataos/config"]


def _cli(idx, res, spec, payload, files, kwargs, extra_env, init) -> None:
    kwargs["arguments"] = [str(a) for a in payload.get("arguments") or []]
    extra_env.append({"name": "CURRENT_WORKSPACE", "value": res.workspace})


ADAPTERS = {"container": _container, "beacon": _beacon, "python3": _python3, "soda": _soda, "dbt": _dbt,
            "dataos-ctl": _cli}


def unsupported(res: Res, exc: Exception) -> Unsupported:
    return Unsupported(res.resource_id, str(exc))
