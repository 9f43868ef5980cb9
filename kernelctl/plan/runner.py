"""Run the real Pulumi program against the simulated cloud, as `pulumi up` would, and collect the plan.

The stack file is read and validated first (a bad config never reaches the program). Its values are then
handed to the Pulumi runtime exactly as the CLI would: object values JSON-encoded, `secure:` values marked
secret (their ciphertext cannot be decrypted offline, so a placeholder stands in). The program runs inside
its own `contextvars` context, so several plans can run in one process (the tests do) without sharing the
runtime's global state.
"""

from __future__ import annotations

import contextvars
import gc
import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from pulumi.runtime.mocks import MockMonitor

from infra.config import StackConfig, project_name, read_stack
from kernelctl.plan.recorder import Registration, RecordingMonitor
from kernelctl.plan.simulated import SimulatedCloud
from kernelctl.plan.simulated.context import SimContext

SECRET_PLACEHOLDER = "[secret]"


class ProgramError(Exception):
    """The program raised while running; the message is the program's own."""


@dataclass
class PlanResult:
    stack: str
    project: str
    config: StackConfig
    registrations: list[Registration]
    outputs: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)  # plan.json entries, with layers
    # `pulumi:disable-default-providers` of the stack: packages whose resources need an explicit provider.
    disabled_default_providers: list[str] = field(default_factory=list)
    kubernetes: list[dict[str, Any]] = field(default_factory=list)
    policy: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cloud(self) -> str:
        return self.config.cloud.provider

    @property
    def failed_mandatory_policies(self) -> list[dict[str, Any]]:
        return [p for p in self.policy if p["level"] == "mandatory"]


def runtime_config(values: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Stack-file values in the form the Pulumi runtime receives them."""
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in values.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[key] = SECRET_PLACEHOLDER
            secret_keys.append(key)
        elif isinstance(value, str):
            config[key] = value
        else:
            config[key] = json.dumps(value, sort_keys=True)
    return config, sorted(secret_keys)


def execute(
    program: Callable[[], None],
    *,
    project: str,
    stack: str,
    monitor: MockMonitor,
    config: dict[str, str] | None = None,
    secret_keys: list[str] | None = None,
) -> None:
    """Run `program` as the engine would (root stack, outputs, pending RPCs awaited) against `monitor`.

    The run happens in its own `contextvars` context, so runs never share the runtime's global state; this
    is the one place that drives Pulumi's mock runtime (the plan and the component tests use it)."""

    def run() -> None:
        from pulumi.runtime import settings as runtime_settings
        from pulumi.runtime.config import set_all_config
        from pulumi.runtime.mocks import MockEngine, MockSettings
        from pulumi.runtime.stack import run_in_stack
        from pulumi.runtime.sync_await import _sync_await

        runtime_settings.ROOT.set(None)
        runtime_settings.configure(
            MockSettings(
                monitor=monitor,
                monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
                engine=MockEngine(logging.getLogger("kernelctl.plan.engine")),
                project=project,
                stack=stack,
                dry_run=False,
                organization="organization",
                callbacks=None,
            )
        )
        runtime_settings.SETTINGS.outputs.clear()
        set_all_config(config or {}, secret_keys or [])
        _sync_await(run_in_stack(lambda: _then_settle(program)))

    with _collector_for_a_run():
        contextvars.copy_context().run(run)


# Allocations between two young-generation collections during a run (CPython's default is 700).
YOUNG_COLLECTION_EVERY = 20_000


@contextmanager
def _collector_for_a_run() -> Iterator[None]:
    """Keep the objects that exist before a run (the imported SDKs: some 350,000) out of the collector's sight
    while it runs (`gc.freeze`), collect the young generation less often, and restore both after.

    A run allocates enough to trigger full collections, and each one walked every object of the imported
    cloud SDKs: a third of a plan's time and two thirds of the floor's went to it, charged to whatever SDK
    function happened to allocate. And the runtime's many short-lived futures and Outputs, collected every
    700 allocations, survived into older generations and made those collections more frequent (-13% of a
    plan's CPU with fewer young collections). Frozen objects are only skipped, never freed or changed; what the
    run itself creates is collected as before, a little later. The collector is the process's: one run at a
    time (as everywhere the driver is used)."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


async def _then_settle(program: Callable[[], Any]) -> None:
    """Run `program`, then wait for its pending outputs once each, before the SDK's own wait.

    The SDK's end-of-program wait (`wait_for_rpcs`) waits for the *first* of all pending outputs to finish,
    again and again: quadratic in their number (a plan has thousands). Waiting for all of them at once is
    linear and leaves the SDK's wait nothing to wait for. A failed output stops this early and is left, with
    everything else, to the SDK's wait, which reports failures as it always does."""
    import asyncio
    from inspect import isawaitable

    from pulumi.runtime.settings import SETTINGS

    result = program()
    if isawaitable(result):
        await result
    while True:
        with SETTINGS.lock:  # outputs are registered under it, possibly from other threads
            outputs = list(SETTINGS.outputs)
        if any(task.done() and (task.cancelled() or task.exception() is not None) for task in outputs):
            return
        pending = [task for task in outputs if not task.done()]
        if not pending:
            return
        await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)


def run_plan(
    stack_file: Path,
    stack: str,
    *,
    root: Path = Path("."),
    program: Callable[[], None] | None = None,
) -> PlanResult:
    """Validate `stack_file`, run the program (by default `infra.program.main`) and collect the plan."""
    stack_values = read_stack(stack_file)
    values = stack_values.values
    config_model = stack_values.parse(stack)
    project = project_name(root)
    if program is None:
        from infra.program import main as program

    config, secret_keys = runtime_config(values)
    cloud = SimulatedCloud(SimContext(project=project, stack=stack, region=config_model.cloud.region))
    monitor = RecordingMonitor(cloud)
    try:
        execute(program, project=project, stack=stack, monitor=monitor, config=config, secret_keys=secret_keys)
    except Exception as exc:
        raise ProgramError(_program_message(exc)) from exc

    warnings = cloud.warnings()
    warnings += [f"duplicate URN (the engine would refuse it): {urn}" for urn in sorted(set(monitor.duplicates))]
    result = PlanResult(
        stack=stack,
        project=project,
        config=config_model,
        registrations=sorted(monitor.registrations.values(), key=lambda r: r.urn),
        outputs=monitor.stack_outputs,
        warnings=warnings,
        disabled_default_providers=list(values.get("pulumi:disable-default-providers") or []),
    )
    from kernelctl.plan.assemble import finish

    finish(result, root=root)
    return result


def _program_message(exc: BaseException) -> str:
    from pulumi import RunError

    if isinstance(exc, RunError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
