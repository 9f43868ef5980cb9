"""Run the runtime in the foreground: take the Lease (one active replica), then run the kopf operator
cluster-wide until SIGTERM/SIGINT or a lost Lease; release the Lease on the way out.

Used by the container (`python -m user_space.runtime`) and by `kernelctl runtime run`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from dataclasses import dataclass

import kopf

from core_kernel.context import PLATFORM_NAMESPACE
from user_space.runtime.cluster import Cluster, api_client
from user_space.runtime.leader import LeaderElection
from user_space.runtime.metrics import Metrics, serve
from user_space.runtime.migrations import database_migrator
from user_space.runtime.operator import ContextCache, build_registry, settings
from user_space.runtime.reconciler import Reconciler

log = logging.getLogger("cloud-kernel-runtime")


@dataclass(frozen=True)
class Options:
    kubeconfig: str | None = None
    namespace: str = PLATFORM_NAMESPACE  # where the Lease and the platform context live
    identity: str = ""
    resync: float = 300.0
    workers: int = 16
    lease_duration: int = 15
    metrics_port: int | None = None  # /healthz and /metrics on every replica (8080 in the pod)


def run(options: Options, stop: threading.Event | None = None) -> int:
    """Exit code: 0 after a graceful stop, 1 when the Lease was lost."""
    if options.kubeconfig:
        os.environ["KUBECONFIG"] = options.kubeconfig  # kopf's own login reads it
    api = api_client(options.kubeconfig)
    identity = options.identity or f"{socket.gethostname()}-{os.getpid()}"
    election = LeaderElection(api, options.namespace, identity, duration=options.lease_duration,
                              renew=max(1.0, options.lease_duration / 3))
    stop = stop or threading.Event()
    _on_signals(stop)
    metrics = Metrics()
    server = serve(metrics, options.metrics_port) if options.metrics_port else None
    try:
        if not election.acquire(stop):
            return 0
        metrics.leader = 1
        return _lead(options, api, election, stop, metrics)
    finally:
        if server is not None:
            server.shutdown()


class _SignalsAreOurs(logging.Filter):
    """Drops kopf's warning that it takes no OS signal off the main thread: the runtime takes them itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "OS signals are ignored" not in record.getMessage()


def _lead(options: Options, api, election: LeaderElection, stop: threading.Event, metrics: Metrics) -> int:
    logging.getLogger("kopf.objects").setLevel(logging.WARNING)  # one line per handled event otherwise
    logging.getLogger("kopf._core.reactor.running").addFilter(_SignalsAreOurs())
    cluster = Cluster(api)
    cache = ContextCache(cluster, options.namespace)
    rec = Reconciler(cluster, cache, migrate=database_migrator(cluster), workers=max(2, options.workers // 2),
                     metrics=metrics)
    registry = build_registry(rec, cache, resync=options.resync, context_namespace=options.namespace)
    finished = threading.Event()
    failed: list[BaseException] = []

    def operate() -> None:
        try:
            asyncio.run(_operate(registry, options.workers, (stop, election.lost), finished))
        except BaseException as exc:  # noqa: BLE001 - raised again in the calling thread
            failed.append(exc)

    # kopf runs in a thread of its own, so that SIGTERM/SIGINT stay ours (`_on_signals`) and stop it through its
    # stop flag. On the main thread, kopf would take the signals itself and then wait 5 s for its own waiter on
    # that flag (never set) before exiting: a rollout or a restart would wait for it.
    operator = threading.Thread(target=operate, name="operator")
    try:
        operator.start()
        operator.join()
        if failed:
            raise failed[0]
    finally:
        finished.set()
        rec.shutdown()
        if not election.lost.is_set():
            election.release()
    return 1 if election.lost.is_set() else 0


async def _operate(registry, workers: int, reasons: tuple[threading.Event, ...], finished: threading.Event) -> None:
    """kopf until one of `reasons` is set (a stop request, SIGTERM/SIGINT through `_on_signals`, a lost Lease).

    The stop flag is an asyncio.Event set from a watcher thread: kopf would wait for a threading.Event or a
    concurrent Future in an executor thread, which keeps the process alive after kopf stopped on a signal."""
    loop = asyncio.get_running_loop()
    flag = asyncio.Event()

    def watch() -> None:
        while not finished.is_set():
            if any(e.wait(0.2) for e in reasons):
                log.info("stopping")
                loop.call_soon_threadsafe(flag.set)
                return

    threading.Thread(target=watch, name="stop-watcher", daemon=True).start()
    await kopf.operator(registry=registry, settings=settings(workers), clusterwide=True, standalone=True,
                        stop_flag=flag)


def _on_signals(stop: threading.Event) -> None:
    """SIGTERM/SIGINT set `stop`: a standby candidate stops waiting for the Lease, a leader's kopf (in its own
    thread, where it takes no signal) stops through its stop flag."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
