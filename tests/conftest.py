"""Shared fixtures: one offline plan per stack file for the whole session (the program runs once per stack, also
when pytest-xdist spreads the test modules over several workers: `make test` runs `-n auto --dist loadscope`, so a
module-scoped fixture, such as a control plane or a PostgreSQL server, is still set up once)."""

from __future__ import annotations

import fcntl
import os
import pickle
from functools import lru_cache, partial
from pathlib import Path

import pytest

try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # pytest-xdist is in the test extra; without it everything runs in one process
    LoadScopeScheduling = None

ROOT = Path(__file__).resolve().parents[1]
STACKS = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))


def _all_core_services(stack: str) -> bool:
    import yaml

    core = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"].get("cloud-kernel:core", {})
    return not any(isinstance(v, dict) and v.get("enabled") is False for v in core.values())


# Stacks with every core service on (the cloud stacks; `local` switches the Helm-based ones off): the
# cross-layer wiring of routes, secrets, monitoring and policies is checked on these.
PLATFORM_STACKS = [stack for stack in STACKS if _all_core_services(stack)]


@lru_cache(maxsize=None)
def _plan(stack: str):
    from kernelctl.plan.runner import run_plan

    return run_plan(ROOT / "stacks" / f"Pulumi.{stack}.yaml", stack, root=ROOT)


def _shared_plan(stack: str, folder: Path):
    """The plan of `stack`, computed by the first worker that asks for it and pickled into `folder` for the
    others (a per-stack lock: a worker waits only for the plan it needs)."""
    path = folder / f"{stack}.pickle"
    with open(folder / f"{stack}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return pickle.loads(path.read_bytes())
        result = _plan(stack)
        partial_path = path.with_suffix(".partial")
        partial_path.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        partial_path.replace(path)
        return result


def _session_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder every worker of this run shares: under xdist, in the run's temporary root (each worker's own
    basetemp sits in it); otherwise in the session's basetemp."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if "PYTEST_XDIST_WORKER" in os.environ else base) / name
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def stack_plan(tmp_path_factory):
    """`stack_plan("dev-aws")` -> PlanResult, computed once per session, also when xdist spreads the tests over
    several workers (they share the pickled plans)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return _plan
    return lru_cache(maxsize=None)(partial(_shared_plan, folder=_session_folder(tmp_path_factory, "stack-plans")))


@pytest.fixture(scope="session")
def crd_snapshots(tmp_path_factory) -> Path:
    """Where control planes keep the etcd data of a CRD set for the session (tests/support/engines.py)."""
    return _session_folder(tmp_path_factory, "crd-snapshots")


# The longest modules (README, Performance), handed out first under xdist (`--no-loadscope-reorder` keeps this
# order) so that the short ones fill in beside them instead of one long module running alone at the end.
LONG_FIRST = (
    "tests/e2e/test_plans_apply.py",
    "tests/e2e/",
    "tests/schema/test_checkov.py",
    "tests/program/test_stack_config_fuzz.py",
    "tests/integration/test_runtime_image.py",
    "tests/components/test_azure_components.py",
)


def _rank(item: pytest.Item) -> int:
    return next((i for i, prefix in enumerate(LONG_FIRST) if item.nodeid.startswith(prefix)), len(LONG_FIRST))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if "PYTEST_XDIST_WORKER" in os.environ:
        items.sort(key=_rank)  # stable: the rest keep their order


# Modules whose tests share a module-scoped fixture parametrized by stack (a control plane per stack): each stack's
# tests are their own unit of work, so the stacks spread over the workers and each control plane still starts once.
SPLIT_BY_PARAMETER = ("tests/e2e/test_plans_apply.py",)

if LoadScopeScheduling is not None:

    class _ModuleOrStackScheduling(LoadScopeScheduling):
        """`--dist loadscope` (a module per unit of work), with SPLIT_BY_PARAMETER split per parameter."""

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if module in SPLIT_BY_PARAMETER and nodeid.endswith("]"):
                return f"{module}[{nodeid.rsplit('[', 1)[1]}"
            return super()._split_scope(nodeid)

    @pytest.hookimpl(tryfirst=True, optionalhook=True)  # `-p no:xdist` runs without it
    def pytest_xdist_make_scheduler(config: pytest.Config, log):
        return _ModuleOrStackScheduling(config, log) if config.getvalue("dist") == "loadscope" else None
