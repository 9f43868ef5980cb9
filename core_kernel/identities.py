"""Workload identities the core kernel asks the cloud kernel for. Pure, no Pulumi import.

`infra/program.py` passes these `IdentityRequest`s to the cloud backend, which creates one cloud identity
per request (AWS: an IRSA role trusted by exactly `namespace/serviceAccount`) and returns it in
`CloudKernelContract.identities[name]`; the core kernel then puts its annotations on that service account.
Only services that touch the cloud get one:

- `external-secrets`: reads the cloud secret manager, limited to `cloud-kernel/<environment>/` names;
- `iceberg-catalog`: read-write on every lakehouse bucket (Lakekeeper vends scoped credentials to engines).

cert-manager (HTTP-01, no DNS API), Prometheus, Argo, the Spark operator and OPA need no cloud identity;
Spark and Workflow pods use their workspace's identity, which user space requests. Cluster add-ons that call the
cloud (`core_kernel.addons.ADDON_IDENTITIES`: the load balancer controller, the node autoscaler) get one each,
with the capability they need for this cluster and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable

from cloud_kernel.specs import IdentityRequest
from core_kernel import naming
from core_kernel.addons import ADDON_IDENTITIES, ADDON_NAMESPACES, ADDON_SERVICE_ACCOUNTS, cluster_addons, dns_zone
from core_kernel.specs import CoreKernelSpec

EXTERNAL_SECRETS_IDENTITY = "external-secrets"
EXTERNAL_SECRETS_SERVICE_ACCOUNT = "external-secrets"
CATALOG_IDENTITY = "iceberg-catalog"
# Bucket key meaning "every lakehouse bucket of the stack", used when the caller does not pass the keys.
ALL_BUCKETS = "*"


def identity_requests(
    spec: CoreKernelSpec,
    environment: str,
    lakehouse_buckets: Iterable[str] | None = None,
    cloud: str | None = None,
) -> list[IdentityRequest]:
    """The identities of the enabled core services (and, given the `cloud`, of its cluster add-ons), by name.

    `lakehouse_buckets`: the keys of `cloud-kernel:cloud.lakehouse`; the catalog gets read-write on each.
    When omitted, the catalog asks for `{"*": "readwrite"}` (every bucket of the stack).
    """
    requests: list[IdentityRequest] = addon_identity_requests(cloud, dns_zone(spec)) if cloud else []
    if spec.external_secrets.enabled:
        requests.append(
            IdentityRequest(
                name=EXTERNAL_SECRETS_IDENTITY,
                namespace=naming.NAMESPACES["externalSecrets"],
                service_account=EXTERNAL_SECRETS_SERVICE_ACCOUNT,
                secrets_read=True,
                secrets_prefix=naming.secrets_prefix(environment),
                # The catalog's bootstrap Job reads the Postgres admin credential through External Secrets.
                database_admin_secrets=spec.catalog.enabled,
            )
        )
    if spec.catalog.enabled:
        keys = sorted(lakehouse_buckets) if lakehouse_buckets is not None else [ALL_BUCKETS]
        requests.append(
            IdentityRequest(
                name=CATALOG_IDENTITY,
                namespace=naming.NAMESPACES["catalog"],
                service_account=naming.CATALOG_SERVICE_ACCOUNT,
                buckets={key: "readwrite" for key in keys},
            )
        )
    return sorted(requests, key=lambda r: r.name)


def addon_identity_requests(cloud: str, zone: str | None = None) -> list[IdentityRequest]:
    """One identity per cluster add-on of `cloud` that calls the cloud's API, with its capabilities."""
    requests = []
    for addon in cluster_addons(cloud, dns_zone=zone):
        if addon in ADDON_IDENTITIES:
            name, capabilities = ADDON_IDENTITIES[addon]
            requests.append(
                IdentityRequest(
                    name=name,
                    namespace=ADDON_NAMESPACES[addon],
                    service_account=ADDON_SERVICE_ACCOUNTS[addon],
                    capabilities=list(capabilities),
                    dns_zone=zone if "dns" in capabilities else "",
                )
            )
    return requests
