"""`kernelctl`: the offline face of Cloud Kernel (plan, graph, config, and the Resource tools).

Every command turns bad input into a readable message and an exit code; `--debug` shows the traceback.
Exit codes: 0 ok, 1 invalid Resources or a failed program run, 2 invalid stack config or usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from infra.config import ConfigError, StackConfig, load_stack_file, read_stack

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__.splitlines()[0])
config_app = typer.Typer(no_args_is_help=True, help="Validate stack configs and generate their JSON Schema.")
app.add_typer(config_app, name="config")

out = Console(soft_wrap=True, emoji=False)
err = Console(stderr=True, soft_wrap=True, emoji=False)

STACKS_DIR = Path("stacks")


class Fail(Exception):
    """A user-facing failure: its message is printed, then the process exits with `code`."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def stack_file(stack: str) -> Path:
    return STACKS_DIR / f"Pulumi.{stack}.yaml"


def run_guarded(debug: bool, fn, *args, **kwargs):
    """Run a command body: known failures become messages and exit codes, never tracebacks."""
    try:
        return fn(*args, **kwargs)
    except ConfigError as exc:
        for line in exc.lines():
            err.print(line, markup=False, highlight=False)
        raise typer.Exit(2) from None
    except Fail as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(exc.code) from None
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - the CLI boundary: report, do not crash
        if debug:
            raise
        err.print(f"error: {type(exc).__name__}: {exc}", markup=False, highlight=False)
        err.print("(run again with --debug for the traceback)", style="dim")
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
    """Validate a stack config; report every error as `FILE: key.path: reason` (exit 2)."""

    def body() -> None:
        if (file is None) == (stack is None):
            raise Fail("give either a stack file or --stack NAME", code=2)
        path = file if file is not None else stack_file(stack)
        document = read_stack(path)
        config = document.parse(stack)
        for line in document.warnings(config):
            err.print(line, markup=False, highlight=False)
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
    out_dir: Annotated[Path, typer.Option("--out", help="Where plan.json and manifests/ go.")] = Path("plan-out"),
    as_json: Annotated[bool, typer.Option("--json", help="Print plan.json instead of the summary.")] = False,
    debug: Debug = False,
) -> None:
    """Run the real program against the simulated cloud; print a summary, write plan.json and manifests/."""
    from kernelctl.plan.report import print_summary, write_plan
    from kernelctl.plan.runner import run_plan

    def body() -> None:
        result = run_plan(stack_file(stack), stack)
        write_plan(result, out_dir)
        if as_json:
            sys.stdout.write((out_dir / "plan.json").read_text(encoding="utf-8"))
        else:
            print_summary(result, out, out_dir)
        if result.failed_mandatory_policies:
            raise Fail(f"{len(result.failed_mandatory_policies)} mandatory policy violation(s)", code=1)
        if duplicated := [w for w in result.warnings if w.startswith("duplicate URN")]:
            raise Fail(f"{len(duplicated)} duplicate URN(s): the engine would refuse the program", code=1)

    run_guarded(debug, body)


@app.command()
def graph(
    stack: StackOpt,
    out_file: Annotated[Optional[Path], typer.Option("--out", help="Write the Mermaid chart to this file.")] = None,
    debug: Debug = False,
) -> None:
    """Print the platform as a Mermaid flowchart: layers as subgraphs, components as nodes."""
    from kernelctl.plan.graph import mermaid
    from kernelctl.plan.runner import run_plan

    def body() -> None:
        text = mermaid(run_plan(stack_file(stack), stack))
        if out_file is None:
            sys.stdout.write(text)
        else:
            out_file.write_text(text, encoding="utf-8")
            out.print(f"wrote {out_file}", markup=False)

    run_guarded(debug, body)


def load_config(stack: str) -> StackConfig:
    return load_stack_file(stack_file(stack))


# ----- Resources: validate, crds, schemas (bodies in kernelctl/resources_cmd.py) ------------------------------
@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Manifest files or folders (recursive *.yaml/*.yml).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array, one object per Resource.")] = False,
    no_interpolate: Annotated[bool, typer.Option("--no-interpolate", help="Do not replace $VAR/${VAR}.")] = False,
    debug: Debug = False,
) -> None:
    """Validate Resource manifests: one line per Resource, OK or its errors (exit 1 if any is invalid)."""
    from kernelctl import resources_cmd

    def body() -> None:
        try:
            results = resources_cmd.validation_report(paths, interpolate=not no_interpolate)
        except FileNotFoundError as exc:
            raise Fail(str(exc), code=2) from None
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
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Write one file per object into this folder.")] = None,
    debug: Debug = False,
) -> None:
    """Compile Resources to Kubernetes objects (multi-document YAML); unsupported ones are listed on stderr."""
    from kernelctl import render_cmd

    def body() -> None:
        try:
            context = render_cmd.context_for(stack, stack_file(stack) if stack else None)
            outcome = render_cmd.render(paths, context)
        except FileNotFoundError as exc:
            raise Fail(str(exc), code=2) from None
        except LookupError as exc:  # the stack's plan has no platform context (core kernel off)
            raise Fail(str(exc)) from None
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
            from kernelctl.manifests import write_manifests

            written = write_manifests(outcome.objects, out_dir)
            out.print(f"wrote {len(written)} objects to {out_dir}", markup=False)

    run_guarded(debug, body)
