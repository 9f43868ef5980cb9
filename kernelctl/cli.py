"""`kernelctl`: the offline face of Cloud Kernel (plan, graph, config, and the Resource tools).

Every command turns bad input into a readable message and an exit code; `--debug` shows the traceback.
Exit codes (kernelctl/errors.py): 0 ok, 1 invalid Resources or a failed program run, 2 invalid stack config
or usage. Commands work from any folder of the project: the project root is the nearest folder at or above
the current one holding `Pulumi.yaml` (as the Pulumi CLI finds it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console

from infra.config_errors import ConfigError
from kernelctl.errors import EXIT_USAGE, Fail

if TYPE_CHECKING:
    from infra.config import StackConfig

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__.splitlines()[0])
config_app = typer.Typer(no_args_is_help=True, help="Validate stack configs and generate their JSON Schema.")
app.add_typer(config_app, name="config")

out = Console(soft_wrap=True, emoji=False)
err = Console(stderr=True, soft_wrap=True, emoji=False)

STACKS_DIR = Path("stacks")


def project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` (default: the current one) holding `Pulumi.yaml`."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "Pulumi.yaml").is_file():
            return folder
    raise Fail(f"not inside a Cloud Kernel project: no Pulumi.yaml in {here} or above", EXIT_USAGE)


def stack_file(stack: str) -> Path:
    """`stacks/Pulumi.<stack>.yaml` of the project; an unknown name lists the stacks there."""
    folder = project_root() / STACKS_DIR
    path = folder / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in folder.glob("Pulumi.*.yaml"))
        raise Fail(f"unknown stack {stack!r}: no {path} (stacks: {', '.join(known) or 'none'})", EXIT_USAGE)
    return path


def plan_stack(stack: str, *, reuse: bool = False):
    """The offline plan of a stack, from the project root, with a progress line on stderr while it runs.
    `reuse`: read `<root>/plan-out/plan.json` instead when it is fresh (kernelctl/saved_plan.py)."""
    from kernelctl.plan.runner import run_plan

    path = stack_file(stack)
    root = project_root()
    if reuse:
        from kernelctl.saved_plan import fresh_plan

        from infra.config import load_stack_file

        saved = fresh_plan(root, stack, path, load_stack_file(path).user_space.manifests)
        if saved is not None:
            err.print(f"using the fresh plan in {root / 'plan-out' / 'plan.json'}", style="dim", highlight=False)
            return saved
    with err.status(f"planning stack {stack} against the simulated cloud ...", spinner="dots"):
        return run_plan(path, stack, root=root)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            text = version("cloud-kernel")
        except PackageNotFoundError:
            text = "unknown (not installed)"
        out.print(f"kernelctl {text}", markup=False, highlight=False)
        raise typer.Exit(0)


@app.callback()
def main(
    show_version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                         help="Print the version and exit.")] = None,
) -> None:
    """Cloud Kernel's CLI: plan a stack offline, validate and render Resource manifests."""


def _problem_lines(exc: Exception) -> list[str] | None:
    """The one-line-per-problem form of the errors our own layers raise (never their class names)."""
    from kernelctl.plan.runner import ProgramError
    from user_space.compiler import CompileFailed
    from user_space.gitops import InvalidManifests

    if isinstance(exc, InvalidManifests):
        return ["invalid Resource manifests:", *exc.lines]
    if isinstance(exc, CompileFailed):
        return ["Resources that do not compile:", *(str(e) for e in exc.errors)]
    if isinstance(exc, ProgramError):
        cause = exc.__cause__
        nested = _problem_lines(cause) if isinstance(cause, Exception) and cause is not exc else None
        return nested or str(exc).splitlines()
    return None


def run_guarded(debug: bool, fn, *args, **kwargs):
    """Run a command body: known failures become messages and exit codes, never tracebacks or class names."""
    try:
        return fn(*args, **kwargs)
    except ConfigError as exc:
        for line in exc.lines():
            err.print(line, markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE) from None
    except Fail as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(exc.code) from None
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - the CLI boundary: report, do not crash
        if debug:
            raise
        lines = _problem_lines(exc) or [str(exc) or "unexpected failure"]
        err.print(f"error: {lines[0]}", markup=False, highlight=False)
        for line in lines[1:]:
            err.print(f"  {line}", markup=False, highlight=False)
        if _problem_lines(exc) is None:
            err.print("(an unexpected failure: run again with --debug for the traceback)", style="dim")
        raise typer.Exit(1) from None


Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")]
StackOpt = Annotated[str, typer.Option("--stack", "-s", help="Stack name: reads stacks/Pulumi.<stack>.yaml.")]


# ----- config ------------------------------------------------------------------------------------------------
@config_app.command("validate")
def config_validate(
    file: Annotated[Optional[Path], typer.Argument(help="A stack file (default: the --stack one).")] = None,
    stack: Annotated[Optional[str], typer.Option("--stack", "-s", help="Stack name.")] = None,
    debug: Debug = False,
) -> None:
    """Validate a stack config; report every error as `FILE: key.path: reason` (exit 2). Then its GitOps folder:
    manifests, references, and the core services the Resources need (exit 1, one line per problem)."""
    from infra.config import read_stack
    from kernelctl.config_check import gitops_problems

    def body() -> None:
        if (file is None) == (stack is None):
            raise Fail("give either a stack file or --stack NAME", code=2)
        path = file if file is not None else stack_file(stack)
        document = read_stack(path)
        config = document.parse(stack)
        for line in document.warnings(config):
            err.print(line, markup=False, highlight=False)
        problems = gitops_problems(config, project_root())
        for line in problems:
            err.print(line, markup=False, highlight=False)
        if problems:
            raise Fail(f"{path}: the GitOps folder (cloud-kernel:userSpace.manifests) has {len(problems)} problem(s)")
        out.print(f"{path}: OK", markup=False, highlight=False)

    run_guarded(debug, body)


@config_app.command("schema")
def config_schema(
    out_file: Annotated[Optional[Path], typer.Option("--out", help="Write here instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of the `cloud-kernel:*` stack config (the source of stacks/schema.json)."""
    from kernelctl.config_schema import stack_config_schema

    text = json.dumps(stack_config_schema(), indent=2, sort_keys=True) + "\n"
    if out_file is None:
        sys.stdout.write(text)
    else:
        out_file.write_text(text, encoding="utf-8")


# ----- plan and graph ----------------------------------------------------------------------------------------
@app.command()
def plan(
    stack: StackOpt,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", help="Where plan.json and manifests/ go (default: plan-out/ in the project root).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print plan.json instead of the summary.")] = False,
    debug: Debug = False,
) -> None:
    """Run the real program against the simulated cloud; print a summary, write plan.json and manifests/."""
    from kernelctl.plan.report import print_summary, write_plan

    def body() -> None:
        result = plan_stack(stack)
        target = out_dir if out_dir is not None else project_root() / "plan-out"
        write_plan(result, target)
        if as_json:
            sys.stdout.write((target / "plan.json").read_text(encoding="utf-8"))
        else:
            print_summary(result, out, target)
        if result.failed_mandatory_policies:
            raise Fail(f"{len(result.failed_mandatory_policies)} mandatory policy violation(s)", code=1)
        if duplicated := [w for w in result.warnings if w.startswith("duplicate URN")]:
            raise Fail(f"{len(duplicated)} duplicate URN(s): the engine would refuse the program", code=1)

    run_guarded(debug, body)


@app.command()
def graph(
    stack: StackOpt,
    out_file: Annotated[Optional[Path], typer.Option("--out", help="Write the chart to this file.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="mermaid (renders on GitHub) or dot (Graphviz).")] = "mermaid",
    debug: Debug = False,
) -> None:
    """Print the platform as a chart: layers as subgraphs, components as nodes, a legend."""
    from kernelctl.plan.graph import FORMATS

    def body() -> None:
        if fmt not in FORMATS:
            raise Fail(f"unknown --format {fmt!r} (one of: {', '.join(FORMATS)})", EXIT_USAGE)
        text = FORMATS[fmt](plan_stack(stack, reuse=True))
        if out_file is None:
            sys.stdout.write(text)
        else:
            out_file.write_text(text, encoding="utf-8")
            out.print(f"wrote {out_file}", markup=False)

    run_guarded(debug, body)


def load_config(stack: str) -> StackConfig:
    from infra.config import load_stack_file

    return load_stack_file(stack_file(stack))


# ----- Resources: validate, crds, schemas (bodies in kernelctl/resources_cmd.py) ------------------------------
@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Manifest files or folders (recursive *.yaml/*.yml).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array, one object per Resource.")] = False,
    no_interpolate: Annotated[bool, typer.Option("--no-interpolate", help="Do not replace $VAR/${VAR}.")] = False,
    stack: Annotated[Optional[str], typer.Option(
        "--stack", "-s", help="Also resolve computes against this stack's node pools (runs its offline plan).")] = None,
    debug: Debug = False,
) -> None:
    """Validate Resource manifests: one line per Resource, OK or its errors (exit 1 if any is invalid).

    References are resolved across all the given paths: computes, stacks, secrets, volumes, depot secrets."""
    from kernelctl import render_cmd, resources_cmd

    def body() -> None:
        resources_cmd.check_paths(paths)
        context = render_cmd.context_for(plan_stack(stack)) if stack else None
        results = resources_cmd.validation_report(paths, interpolate=not no_interpolate, context=context)
        if as_json:
            sys.stdout.write(resources_cmd.as_json(results))
        else:
            for line in resources_cmd.as_lines(results):
                out.print(line, markup=False, highlight=False)
        bad = sum(not r.ok for r in results)
        if bad:
            if not as_json:
                err.print(f"{bad} of {len(results)} Resource(s) invalid", markup=False, highlight=False)
            raise typer.Exit(1)

    run_guarded(debug, body)


@app.command()
def crds(
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Write one file per CRD into this folder.")] = None,
    debug: Debug = False,
) -> None:
    """Print the CustomResourceDefinitions of every Resource type (multi-document YAML)."""
    from kernelctl import resources_cmd

    def body() -> None:
        if out_dir is None:
            sys.stdout.write(resources_cmd.crds_text())
        else:
            written = resources_cmd.write_generated(resources_cmd.crd_files(), out_dir)
            out.print(f"wrote {len(written)} CRDs to {out_dir}", markup=False)

    run_guarded(debug, body)


@app.command()
def schemas(
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Write one <type>.json per type here.")] = None,
    debug: Debug = False,
) -> None:
    """Print the JSON Schema of every Resource type (for editors: `# yaml-language-server: $schema=...`)."""
    from kernelctl import resources_cmd

    def body() -> None:
        if out_dir is None:
            sys.stdout.write(resources_cmd.schemas_text())
        else:
            written = resources_cmd.write_generated(resources_cmd.schema_files(), out_dir)
            out.print(f"wrote {len(written)} schemas to {out_dir}", markup=False)

    run_guarded(debug, body)


# ----- render (body in kernelctl/render_cmd.py) ----------------------------------------------------------------
@app.command()
def render(
    paths: Annotated[list[Path], typer.Argument(help="Manifest files or folders (recursive *.yaml/*.yml).")],
    stack: Annotated[Optional[str], typer.Option("--stack", "-s", help="Compile against this stack's context.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", help="Write one file per object into this folder (new, empty, or an earlier --out of render).")] = None,
    reveal_secrets: Annotated[bool, typer.Option(
        "--reveal-secrets", help="Print Secret values instead of [secret] (for piping into kubectl).")] = False,
    debug: Debug = False,
) -> None:
    """Compile Resources to Kubernetes objects (multi-document YAML); unsupported ones are listed on stderr."""
    from kernelctl import render_cmd, resources_cmd

    def body() -> None:
        resources_cmd.check_paths(paths)
        try:
            context = render_cmd.context_for(plan_stack(stack, reuse=True) if stack else None)
        except LookupError as exc:  # the stack's plan has no platform context (core kernel off)
            raise Fail(str(exc)) from None
        outcome = render_cmd.render(paths, context, reveal_secrets=reveal_secrets)
        for line in outcome.invalid:
            err.print(line, markup=False, highlight=False)
        for line in outcome.errors:
            err.print(f"error: {line}", markup=False, highlight=False)
        for line in outcome.unsupported:
            err.print(line, markup=False, highlight=False)
        if outcome.failed:
            raise Fail(f"{len(outcome.invalid)} invalid Resource problem(s), {len(outcome.errors)} compile error(s)")
        if out_dir is None:
            sys.stdout.write(render_cmd.to_yaml_stream(outcome.objects))
        else:
            from kernelctl.manifests import replace_folder

            written = replace_folder(outcome.objects, out_dir)
            out.print(f"wrote {len(written)} objects to {out_dir}", markup=False)

    run_guarded(debug, body)


# ----- the data developer's verbs against a cluster (bodies in kernelctl/cluster_cmd.py) ------------------------
runtime_app = typer.Typer(no_args_is_help=True, help="The Resource runtime (operator).")
app.add_typer(runtime_app, name="runtime")

KubeconfigOpt = Annotated[Optional[str], typer.Option("--kubeconfig", help="Kubeconfig file (default: $KUBECONFIG, "
                                                                             "~/.kube/config).")]
TypeOpt = Annotated[Optional[str], typer.Option("--type", "-t", help="Resource type (service, workflow, ...).")]
NameOpt = Annotated[Optional[str], typer.Option("--name", "-n", help="Resource name.")]
WorkspaceOpt = Annotated[Optional[str], typer.Option("--workspace", "-w", help="Workspace (default: public).")]


def cluster_guarded(debug: bool, fn) -> None:
    """run_guarded, with cluster failures (ClusterFail) as messages and exit codes."""
    from kernelctl.cluster_cmd import ClusterFail

    def body() -> None:
        try:
            fn()
        except ClusterFail as exc:
            raise Fail(str(exc), code=exc.code) from None

    run_guarded(debug, body)


@app.command("apply")
def apply_cmd(
    file: Annotated[Path, typer.Option("--file", "-f", help="A manifest file or a folder of manifests.")],
    recursive: Annotated[bool, typer.Option("--recursive", "-R", help="Also apply the folder's sub-folders.")] = False,
    workspace: WorkspaceOpt = None,
    kubeconfig: KubeconfigOpt = None,
    debug: Debug = False,
) -> None:
    """Validate manifests locally, then create or update their Resources: `applying(ws) name:version:type...`."""
    from kernelctl import cluster_cmd as cc

    def body() -> None:
        views = cc.load_for_apply(file, recursive, workspace)
        cluster = cc.connect(kubeconfig)
        for line in cc.guarded(cc.apply_views, cluster, views):
            out.print(line, markup=False, highlight=False)

    cluster_guarded(debug, body)


@app.command("get")
def get_cmd(
    what: Annotated[Optional[str], typer.Argument(help="`runtime`: the runtime view of one Resource.")] = None,
    type_: TypeOpt = None,
    name: NameOpt = None,
    workspace: WorkspaceOpt = None,
    all_workspaces: Annotated[bool, typer.Option("--all-workspaces", "-A", help="Every workspace.")] = False,
    output: Annotated[str, typer.Option("--output", "-o", help="table, json or yaml.")] = "table",
    kubeconfig: KubeconfigOpt = None,
    debug: Debug = False,
) -> None:
    """List Resources: NAME, VERSION, TYPE, WORKSPACE, STATUS, RUNTIME, AGE (`get runtime -t -n -w`: one's runtime)."""
    from kernelctl import cluster_cmd as cc

    def body() -> None:
        if what not in (None, "runtime"):
            raise cc.ClusterFail(f"unknown argument {what!r}: only `get runtime` takes one", code=2)
        if what == "runtime" and not (type_ and name):
            raise cc.ClusterFail("get runtime needs -t TYPE and -n NAME (and -w WORKSPACE)", code=2)
        cluster = cc.connect(kubeconfig)
        sel = cc.Selection(type_, name, workspace, all_workspaces)
        items = cc.guarded(cc.select, cluster, sel)
        if what == "runtime":
            if not items:
                raise cc.ClusterFail(f"{type_} {name} not found in workspace {workspace or 'public'}")
            sys.stdout.write(cc.guarded(cc.runtime_report, cluster, items[0]))
            return
        sys.stdout.write(cc.render_rows([cc.row(i, cc.now()) for i in items], output))

    cluster_guarded(debug, body)


@app.command("delete")
def delete_cmd(
    type_: TypeOpt = None,
    name: NameOpt = None,
    workspace: WorkspaceOpt = None,
    file: Annotated[Optional[Path], typer.Option("--file", "-f", help="Delete the Resources of these manifests.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Delete even when other Resources depend on it.")] = False,
    kubeconfig: KubeconfigOpt = None,
    debug: Debug = False,
) -> None:
    """Delete Resources (-t/-n/-w or -f); refuses while another Resource depends on one, unless --force."""
    from kernelctl import cluster_cmd as cc
    from user_space.runtime.kinds import KINDS

    def body() -> None:
        if (file is None) == (type_ is None or name is None):
            raise cc.ClusterFail("give either -t TYPE -n NAME [-w WORKSPACE] or -f PATH", code=2)
        if file is not None:
            targets = [(KINDS[v["type"]], v["name"], v.get("workspace") if KINDS[v["type"]].namespaced else None)
                       for v in cc.load_for_apply(file, True, workspace)]
        elif type_ not in KINDS:
            raise cc.ClusterFail(f"unknown type {type_!r} (one of: {', '.join(sorted(KINDS))})", code=2)
        else:
            targets = [(KINDS[type_], name, (workspace or "public") if KINDS[type_].namespaced else None)]
        cluster = cc.connect(kubeconfig)
        for kind, target, namespace in targets:
            out.print(cc.guarded(cc.delete_one, cluster, kind, target, namespace, force), markup=False,
                      highlight=False)

    cluster_guarded(debug, body)


@app.command("log")
def log_cmd(
    type_: TypeOpt = None,
    name: NameOpt = None,
    workspace: WorkspaceOpt = None,
    container: Annotated[Optional[str], typer.Option("--container", "-c", help="Container name.")] = None,
    lines: Annotated[int, typer.Option("--lines", "-l", help="Last lines per pod.")] = 300,
    kubeconfig: KubeconfigOpt = None,
    debug: Debug = False,
) -> None:
    """Print the logs of a Resource's pods."""
    from kernelctl import cluster_cmd as cc

    def body() -> None:
        if not (type_ and name):
            raise cc.ClusterFail("log needs -t TYPE and -n NAME (and -w WORKSPACE)", code=2)
        cluster = cc.connect(kubeconfig)
        items = cc.guarded(cc.select, cluster, cc.Selection(type_, name, workspace, False))
        if not items:
            raise cc.ClusterFail(f"{type_} {name} not found in workspace {workspace or 'public'}")
        sys.stdout.write(cc.guarded(cc.logs, cluster, cc.row(items[0], cc.now()), container, lines))

    cluster_guarded(debug, body)


@runtime_app.command("run")
def runtime_run(
    kubeconfig: KubeconfigOpt = None,
    namespace: Annotated[str, typer.Option("--namespace", help="Where the Lease and the platform context live.")]
    = "cloud-kernel-system",
    identity: Annotated[str, typer.Option("--identity", help="This replica's name in the Lease.")] = "",
    resync: Annotated[float, typer.Option("--resync", help="Seconds between periodic reconciles.")] = 300.0,
    workers: Annotated[int, typer.Option("--workers", help="Concurrent reconciles.")] = 16,
    lease_duration: Annotated[int, typer.Option("--lease-duration", help="Seconds a Lease lasts.")] = 15,
    debug: Debug = False,
) -> None:
    """Run the operator in the foreground against the kubeconfig's cluster (one active replica per Lease)."""
    import logging

    from user_space.runtime.run import Options, run

    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")

    def body() -> None:
        code = run(Options(kubeconfig=kubeconfig, namespace=namespace, identity=identity, resync=resync,
                           workers=workers, lease_duration=lease_duration))
        if code:
            raise Fail("lost the Lease to another replica", code=code)

    run_guarded(debug, body)
