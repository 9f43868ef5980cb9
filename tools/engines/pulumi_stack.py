"""`make up|preview|destroy STACK=local`: the real Pulumi engine (.engines/bin/pulumi) runs the project's program.

The Python language host (`pulumi-language-python`) is not published as a Go module that can be fetched here, so
the program runs in this process through the Automation API's inline program: the engine drives it over the same
language-runtime protocol the host would serve (`pulumi up --client=...`). Everything else is what a pipeline
runs: the stack file from `stacks/`, a file state backend under `.engines/state`, the passphrase secrets provider,
and the kubernetes provider binary built by `make engines`, installed as a plugin into `.engines/pulumi-home`.

    .venv/bin/python tools/engines/pulumi_stack.py up [--stack local]
    .venv/bin/python tools/engines/pulumi_stack.py preview [--stack local] [--expect-no-changes]
    .venv/bin/python tools/engines/pulumi_stack.py destroy [--stack local]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ROOT / ".engines"
PROJECT = "cloud-kernel"
# The documented passphrase of the `local` stack only: its state holds nothing but throwaway test secrets.
LOCAL_PASSPHRASE = "cloud-kernel-local"
PROVIDERS = {"kubernetes": "pulumi-resource-kubernetes"}


class EngineError(Exception):
    """A step of the run failed; the message says which and why."""


def engine_env(stack: str, state_dir: Path, pulumi_home: Path, kubeconfig: Path | None) -> dict[str, str]:
    env = {
        "PULUMI_BACKEND_URL": state_dir.resolve().as_uri(),
        "PULUMI_HOME": str(pulumi_home),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
        "PATH": f"{ENGINES / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    passphrase = os.environ.get("PULUMI_CONFIG_PASSPHRASE")
    if passphrase is None:
        if stack != "local":
            raise EngineError(f"set PULUMI_CONFIG_PASSPHRASE for stack {stack!r} (only `local` has a default)")
        passphrase = LOCAL_PASSPHRASE
    env["PULUMI_CONFIG_PASSPHRASE"] = passphrase
    if kubeconfig is not None:
        env["KUBECONFIG"] = str(kubeconfig)
    return env


def plugin_version(binary: Path) -> str:
    """The release the provider was built from, as `make engines` recorded it beside the binary."""
    stamp = binary.parent / f".{binary.name}.version"
    if not stamp.exists():
        raise EngineError(f"{binary.name} has no version stamp (run `make engines`)")
    return stamp.read_text().strip().removeprefix("v")


def install_plugins(pulumi: Path, env: dict[str, str]) -> None:
    """`pulumi plugin install --file`: the engine loads our build, never a downloaded one."""
    for name, binary_name in PROVIDERS.items():
        binary = ENGINES / "bin" / binary_name
        if not binary.exists():
            raise EngineError(f"{binary_name} is not built (run `make engines`)")
        version = plugin_version(binary)
        result = subprocess.run(
            [str(pulumi), "plugin", "install", "resource", name, version, "--file", str(binary), "--reinstall"],
            capture_output=True, text=True, env={**os.environ, **env},
        )
        if result.returncode != 0:
            raise EngineError(f"pulumi plugin install {name} {version}: {result.stderr.strip()}")


def workspace_stack(stack: str, env: dict[str, str], work_dir: Path):
    from pulumi import automation as auto

    from infra.program import main as program

    command = auto.PulumiCommand(root=str(ENGINES), skip_version_check=False)
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(work_dir), pulumi_home=env["PULUMI_HOME"], env_vars=env, pulumi_command=command,
        secrets_provider="passphrase",
    )
    return auto.create_or_select_stack(stack, project_name=PROJECT, program=program, opts=opts)


def summary(changes: dict[str, Any] | None) -> dict[str, int]:
    return {op: count for op, count in sorted((changes or {}).items()) if op != "same" and count}


def run(command: str, stack_name: str, *, state_dir: Path, pulumi_home: Path, kubeconfig: Path | None,
        work_dir: Path = ROOT, expect_no_changes: bool = False, quiet: bool = False) -> dict[str, Any]:
    """Run one engine command; `work_dir` holds Pulumi.yaml and its stack files (the project root by default)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    pulumi_home.mkdir(parents=True, exist_ok=True)
    env = engine_env(stack_name, state_dir, pulumi_home, kubeconfig)
    install_plugins(ENGINES / "bin" / "pulumi", env)
    stack = workspace_stack(stack_name, env, work_dir)
    printer = None if quiet else (lambda line: print(line, flush=True))
    if command == "up":
        result = stack.up(on_output=printer, color="never")
        return {"result": result.summary.result, "changes": summary(result.summary.resource_changes)}
    if command == "preview":
        result = stack.preview(on_output=printer, color="never", expect_no_changes=expect_no_changes)
        return {"changes": summary(result.change_summary)}
    if command == "destroy":
        result = stack.destroy(on_output=printer, color="never")
        return {"result": result.summary.result, "changes": summary(result.summary.resource_changes)}
    raise EngineError(f"unknown command {command!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulumi_stack.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "preview", "destroy"])
    parser.add_argument("--stack", default="local")
    parser.add_argument("--state", type=Path, default=ENGINES / "state")
    parser.add_argument("--pulumi-home", type=Path, default=ENGINES / "pulumi-home")
    parser.add_argument("--kubeconfig", type=Path, default=None,
                        help="default: $KUBECONFIG, else .engines/kubeconfig when `make cluster` wrote it")
    parser.add_argument("--expect-no-changes", action="store_true")
    args = parser.parse_args(argv)
    kubeconfig = args.kubeconfig
    if kubeconfig is None and "KUBECONFIG" not in os.environ and (ENGINES / "kubeconfig").exists():
        kubeconfig = ENGINES / "kubeconfig"
    from pulumi.automation import errors

    try:
        outcome = run(args.command, args.stack, state_dir=args.state, pulumi_home=args.pulumi_home,
                      kubeconfig=kubeconfig, expect_no_changes=args.expect_no_changes)
    except EngineError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
    except errors.CommandError as exc:
        print(f"{args.command} failed (the engine's own output is above):\n{exc}", file=sys.stderr)
        return 1
    print(json.dumps({"stack": args.stack, "command": args.command, **outcome}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
