"""The runtime's and the CLI's access to a cluster: one kubernetes client, server-side apply under one field
manager, reads of the platform context and of Secrets. The only module (with `leader` and `operator`) that
talks to an API server; everything it returns is a plain dict.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from kubernetes import client, config
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ResourceNotFoundError

from core_kernel.context import CONTEXT_CONFIGMAP, CONTEXT_KEY, PLATFORM_NAMESPACE, PlatformContext
from user_space.runtime.kinds import FIELD_MANAGER, Kind


class MissingKind(Exception):
    """The API server does not serve this kind (its CRD is not installed)."""

    def __init__(self, api_version: str, kind: str):
        super().__init__(f"the cluster does not serve {kind} ({api_version}): is its CRD installed?")
        self.api_version, self.kind = api_version, kind


class MissingNamespace(Exception):
    """An object's namespace does not exist (a platform service that is not installed, a workspace not created)."""

    def __init__(self, namespace: str):
        super().__init__(f"namespace {namespace!r} does not exist")
        self.namespace = namespace


class Rejected(Exception):
    """The API server refused an object (invalid, forbidden, admission denied): not worth retrying as is."""


def api_client(kubeconfig: str | None = None) -> client.ApiClient:
    """A client from `kubeconfig`, else $KUBECONFIG / ~/.kube/config, else the pod's service account."""
    configuration = client.Configuration()
    path = kubeconfig or os.environ.get("KUBECONFIG")
    if path or os.path.exists(os.path.expanduser("~/.kube/config")):
        config.load_kube_config(config_file=path, client_configuration=configuration)
    else:
        config.load_incluster_config(client_configuration=configuration)
    configuration.connection_pool_maxsize = 32
    return client.ApiClient(configuration)


def api_message(exc: ApiException) -> str:
    """The API server's own message of a refused request (its Status), else the HTTP reason."""
    try:
        return json.loads(exc.body).get("message") or str(exc.reason)
    except (TypeError, ValueError):
        return str(exc.reason)


class Cluster:
    """Plain-dict operations on one API server."""

    def __init__(self, api: client.ApiClient, field_manager: str = FIELD_MANAGER):
        self.api = api
        self.field_manager = field_manager
        self._dynamic: DynamicClient | None = None
        self._lock = threading.RLock()
        self._resources: dict[tuple[str, str], Any] = {}

    @property
    def dynamic(self) -> DynamicClient:
        with self._lock:
            if self._dynamic is None:
                self._dynamic = DynamicClient(self.api)
            return self._dynamic

    def resource(self, api_version: str, kind: str) -> Any:
        key = (api_version, kind)
        found = self._resources.get(key)
        if found is not None:
            return found
        with self._lock:  # the dynamic client's discovery cache is not thread-safe
            found = self._resources.get(key) or self._discover(api_version, kind)
            self._resources[key] = found
        return found

    def _discover(self, api_version: str, kind: str) -> Any:
        try:
            return self.dynamic.resources.get(api_version=api_version, kind=kind)
        except ResourceNotFoundError:
            self.dynamic.resources.invalidate_cache()  # a CRD installed since the last discovery
        try:
            return self.dynamic.resources.get(api_version=api_version, kind=kind)
        except ResourceNotFoundError:
            raise MissingKind(api_version, kind) from None

    # ----- objects ------------------------------------------------------------------------------------------
    def apply(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Server-side apply (conflicts forced: the runtime owns what it applies); returns the live object."""
        res = self.resource(obj["apiVersion"], obj["kind"])
        meta = obj["metadata"]
        try:
            live = res.server_side_apply(body=obj, name=meta["name"], namespace=meta.get("namespace"),
                                         field_manager=self.field_manager, force_conflicts=True)
        except ApiException as exc:
            if exc.status in (400, 403, 422):
                raise Rejected(f"{obj['kind']} {meta.get('namespace', '')}/{meta['name']}: {api_message(exc)}") from None
            if exc.status == 404 and meta.get("namespace"):
                raise MissingNamespace(meta["namespace"]) from None
            raise
        return live.to_dict()

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        res = self.resource(api_version, kind)
        try:
            return res.get(name=name, namespace=namespace).to_dict()
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def list(self, api_version: str, kind: str, namespace: str | None = None,
             label_selector: str | None = None) -> list[dict[str, Any]]:
        res = self.resource(api_version, kind)
        kwargs: dict[str, Any] = {"label_selector": label_selector} if label_selector else {}
        if namespace and res.namespaced:
            kwargs["namespace"] = namespace
        return [item.to_dict() if hasattr(item, "to_dict") else dict(item)
                for item in res.get(**kwargs).to_dict().get("items", [])]

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> bool:
        """Delete in the background (dependents cascade); False when it was already gone."""
        try:
            res = self.resource(api_version, kind)
        except MissingKind:
            return False
        try:
            res.delete(name=name, namespace=namespace, body={"propagationPolicy": "Background"})
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def create(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        """Create; None when it exists already (someone else created it first)."""
        res = self.resource(obj["apiVersion"], obj["kind"])
        try:
            return res.create(body=obj, namespace=obj["metadata"].get("namespace")).to_dict()
        except ApiException as exc:
            if exc.status == 409:
                return None
            raise

    # ----- custom resources' status -------------------------------------------------------------------------
    def patch_status(self, kind: Kind, name: str, namespace: str | None, status: dict[str, Any]) -> None:
        res = self.resource(kind.api_version, kind.kind)
        try:
            res.status.patch(body={"status": status}, name=name, namespace=namespace,
                             content_type="application/merge-patch+json")
        except ApiException as exc:
            if exc.status != 404:  # deleted meanwhile: nothing to report on
                raise

    # ----- platform ------------------------------------------------------------------------------------------
    def platform_context(self, namespace: str = PLATFORM_NAMESPACE) -> PlatformContext | None:
        cm = self.get("v1", "ConfigMap", CONTEXT_CONFIGMAP, namespace)
        text = ((cm or {}).get("data") or {}).get(CONTEXT_KEY)
        return PlatformContext.from_json(text) if text else None

    def secret_data(self, namespace: str, name: str) -> dict[str, str] | None:
        """A Secret's decoded data, None when it does not exist."""
        import base64

        secret = self.get("v1", "Secret", name, namespace)
        if secret is None:
            return None
        return {k: base64.b64decode(v).decode("utf-8") for k, v in (secret.get("data") or {}).items()}
