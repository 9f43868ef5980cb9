"""One active replica: a coordination.k8s.io Lease, as client-go's leader election does it.

A candidate takes the Lease when it is free, expired or already its own, with the Lease's resourceVersion as
the guard (two candidates cannot both win a write), then renews it every `renew` seconds. A leader that
cannot renew within `duration` stops (its pod restarts as a candidate); on a graceful stop it releases the
Lease so the standby takes over at once instead of after `duration`.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from kubernetes import client
from kubernetes.client.rest import ApiException

log = logging.getLogger("cloud-kernel-runtime")

LEASE_NAME = "cloud-kernel-runtime"


def _now() -> datetime:
    return datetime.now(timezone.utc)


class LeaderElection:
    def __init__(self, api: client.ApiClient, namespace: str, identity: str, name: str = LEASE_NAME,
                 duration: int = 15, renew: float = 5.0):
        self.api = client.CoordinationV1Api(api)
        self.namespace, self.identity, self.name = namespace, identity, name
        self.duration, self.renew = duration, renew
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _spec(self, acquire: datetime | None, transitions: int) -> client.V1LeaseSpec:
        now = _now()
        return client.V1LeaseSpec(holder_identity=self.identity, lease_duration_seconds=self.duration,
                                  acquire_time=acquire or now, renew_time=now, lease_transitions=transitions)

    def try_acquire(self) -> bool:
        """One attempt to take or renew the Lease; True when this candidate holds it afterwards."""
        try:
            lease = self.api.read_namespaced_lease(self.name, self.namespace)
        except ApiException as exc:
            if exc.status != 404:
                raise
            body = client.V1Lease(metadata=client.V1ObjectMeta(name=self.name, namespace=self.namespace),
                                  spec=self._spec(None, 0))
            try:
                self.api.create_namespaced_lease(self.namespace, body)
                return True
            except ApiException as create_exc:
                if create_exc.status == 409:
                    return False
                raise
        spec = lease.spec or client.V1LeaseSpec()
        mine = spec.holder_identity == self.identity
        expired = (not spec.holder_identity or spec.renew_time is None
                   or spec.renew_time + timedelta(seconds=spec.lease_duration_seconds or self.duration) < _now())
        if not (mine or expired):
            return False
        transitions = (spec.lease_transitions or 0) + (0 if mine else 1)
        lease.spec = self._spec(spec.acquire_time if mine else None, transitions)
        try:  # replace: the resourceVersion read above makes a concurrent winner's write fail this one
            self.api.replace_namespaced_lease(self.name, self.namespace, lease)
            return True
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise

    def acquire(self, stop: threading.Event) -> bool:
        """Block until this candidate leads (True) or `stop` is set (False)."""
        announced = False
        while not stop.is_set():
            try:
                if self.try_acquire():
                    log.info("leading as %s (Lease %s/%s)", self.identity, self.namespace, self.name)
                    self._thread = threading.Thread(target=self._keep, name="lease-renew", daemon=True)
                    self._thread.start()
                    return True
            except ApiException as exc:
                log.warning("leader election: %s", exc.reason)
            if not announced:
                log.info("standing by: another replica holds Lease %s/%s", self.namespace, self.name)
                announced = True
            stop.wait(self.renew)
        return False

    def _keep(self) -> None:
        last = _now()
        while not self._stop.wait(self.renew):
            try:
                if self.try_acquire():
                    last = _now()
                    continue
                log.error("lost Lease %s/%s to another replica", self.namespace, self.name)
            except ApiException as exc:
                log.warning("renewing the Lease failed: %s", exc.reason)
                if (_now() - last).total_seconds() < self.duration:
                    continue
            self.lost.set()
            return

    def release(self) -> None:
        """Stop renewing and hand the Lease over (graceful shutdown)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.renew + 1)
        try:
            lease = self.api.read_namespaced_lease(self.name, self.namespace)
            if lease.spec and lease.spec.holder_identity == self.identity:
                lease.spec.holder_identity = None
                lease.spec.renew_time = None
                self.api.replace_namespaced_lease(self.name, self.namespace, lease)
        except ApiException as exc:
            log.warning("releasing the Lease failed: %s", exc.reason)
