"""`cloud-kernel:core`: which core services run and how. Plain pydantic, no Pulumi import.

Replicas and disruption budgets are not knobs: they come from the environment (prod = two replicas and a
PodDisruptionBudget per service, other environments one replica). Every service has an `enabled` switch;
switching one off removes that service and nothing else (dependent services are checked below).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from cloud_kernel.limits import ACME_MAX_NAMES, dns_name_problems
from cloud_kernel.specs import CloudName, Spec, checked, unique_items
from core_kernel.versions import RUNTIME_IMAGE

DOMAIN_PATTERN = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$"
DnsLabel = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)]


class AcmeIssuerSpec(Spec):
    """A public ACME CA (Let's Encrypt by default), solved with HTTP-01 through the platform gateway."""

    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")] = Field(
        description="Account e-mail the CA sends expiry notices to."
    )
    server: Annotated[str, Field(pattern=r"^https://[^\s]+$")] = "https://acme-v02.api.letsencrypt.org/directory"


class PrivateCaSpec(Spec):
    """A private CA inside the cluster: a self-signed root, then a CA ClusterIssuer signing with it."""

    common_name: Annotated[str, Field(min_length=1, max_length=64)] = "Cloud Kernel Platform CA"
    duration_days: int = Field(3650, ge=30, le=7300, description="Lifetime of the root certificate.")


class ClusterIssuerSpec(Spec):
    """Exactly one of `acme` or `privateCa`; the private CA is the default (works on private endpoints)."""

    acme: AcmeIssuerSpec | None = None
    private_ca: PrivateCaSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ClusterIssuerSpec:
        if self.acme is not None and self.private_ca is not None:
            raise ValueError("set either acme or privateCa, not both")
        if self.acme is None and self.private_ca is None:
            object.__setattr__(self, "private_ca", PrivateCaSpec())
        return self


class CertManagerSpec(Spec):
    enabled: bool = True
    cluster_issuer: ClusterIssuerSpec = Field(default_factory=ClusterIssuerSpec)


HttpsUrl = Annotated[str, Field(pattern=r"^https://[^\s/]+(/\S*)?$")]


class AuthenticationSpec(Spec):
    """The identity provider whose JWTs the gateway requires on every route without `noAuthentication: true`."""

    issuer: HttpsUrl = Field(description="The `iss` of the provider's tokens (OIDC issuer URL).")
    jwks_uri: HttpsUrl = Field(description="Where the provider publishes its signing keys (JWKS).")
    audiences: list[Annotated[str, Field(min_length=1)]] = Field(
        min_length=1, description="Accepted `aud` values: a token for another audience is refused.")
    tags_claim: str = Field(
        "groups", min_length=1,
        description="The claim holding the caller's tags (roles:id:...); Policy subjects match against it.")


class GatewaySpec(Spec):
    """Envoy Gateway with one Gateway for the platform domain."""

    enabled: bool = True
    public: bool = Field(
        False, description="Internet-facing load balancer. Default: internal (reachable from the private network)."
    )
    dns_zone: Annotated[str, Field(pattern=r"^[A-Za-z0-9][-A-Za-z0-9_./]{0,127}$")] | None = Field(
        None,
        description="DNS zone the platform owns for its domain (AWS: the Route 53 hosted zone id): external-dns "
        "publishes the gateway's route host names there. Unset: no external-dns.",
    )
    hosts: Annotated[list[DnsLabel], AfterValidator(unique_items)] = Field(
        default_factory=lambda: ["argo", "catalog"],
        description=(
            "Sub-domains named on the certificate when the issuer is ACME (HTTP-01 cannot issue wildcards); "
            "the private CA always issues `*.<domain>`."
        ),
    )
    authentication: AuthenticationSpec | None = Field(
        None, description="Identity provider for workspace routes. Without it, a Service route that does not say "
                          "`noAuthentication: true` is an error, never an open door.")


class ExternalSecretsSpec(Spec):
    enabled: bool = True


class MonitoringSpec(Spec):
    """kube-prometheus-stack: Prometheus, Alertmanager and the operator (backend of Monitor and Pager)."""

    enabled: bool = True
    retention: Annotated[str, Field(pattern=r"^[0-9]+(h|d|w|y)$")] = "15d"
    storage_gb: int = Field(50, ge=5, le=16384)
    grafana: bool = False
    node_exporter: bool = Field(
        False,
        description="Node metrics; runs in its own `privileged` namespace because it needs host access.",
    )


class WorkflowsSpec(Spec):
    """Argo Workflows (engine of the Workflow Resource)."""

    enabled: bool = True
    expose_ui: bool = Field(True, description="Route `argo.<domain>` through the platform gateway.")


class SparkSpec(Spec):
    """Kubeflow Spark operator (engine of Spark-based stacks)."""

    enabled: bool = True


class CatalogSpec(Spec):
    """Iceberg REST catalog (Lakekeeper), metadata in a database on a platform Postgres instance."""

    enabled: bool = True
    database: CloudName = Field("platform", description="Key of the `cloud-kernel:cloud` postgres instance.")
    expose: bool = Field(False, description="Route `catalog.<domain>` through the platform gateway.")


class PolicySpec(Spec):
    """OPA, the policy decision point, fed by Policy and Grant Resources through a data ConfigMap."""

    enabled: bool = True


# An OCI image reference: [registry[:port]/]path[:tag][@sha256:<64 hex>], with at least a tag or a digest.
IMAGE_PATTERN = (r"^([a-z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*"
                 r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$")


def _image_problems(image: str) -> list[str]:
    last = image.split("@")[0].rsplit("/", 1)[-1]
    if ":" not in last and "@" not in image:
        return ["give a tag or a digest (an image without one runs whatever `latest` is at pull time)"]
    return []


class RuntimeSpec(Spec):
    """The Resource runtime: the operator reconciling user space (two replicas, one active)."""

    enabled: bool = True
    image: Annotated[str, checked(_image_problems)] = Field(default=RUNTIME_IMAGE, pattern=IMAGE_PATTERN, description=(
        "The runtime's image, built from user_space/runtime/Dockerfile and published by your release pipeline: "
        "give it as registry/path:tag@sha256:<digest> so a moved tag never changes what runs."))


class CoreKernelSpec(Spec):
    """Settings of the core kernel for one environment."""

    domain: Annotated[str, Field(pattern=DOMAIN_PATTERN), checked(dns_name_problems)] = Field(
        description="Platform DNS domain; the gateway serves *.<domain>."
    )
    cert_manager: CertManagerSpec = Field(default_factory=CertManagerSpec)
    gateway: GatewaySpec = Field(default_factory=GatewaySpec)
    external_secrets: ExternalSecretsSpec = Field(default_factory=ExternalSecretsSpec)
    monitoring: MonitoringSpec = Field(default_factory=MonitoringSpec)
    workflows: WorkflowsSpec = Field(default_factory=WorkflowsSpec)
    spark: SparkSpec = Field(default_factory=SparkSpec)
    catalog: CatalogSpec = Field(default_factory=CatalogSpec)
    policy: PolicySpec = Field(default_factory=PolicySpec)
    runtime: RuntimeSpec = Field(default_factory=RuntimeSpec)

    @model_validator(mode="after")
    def _dependencies(self) -> CoreKernelSpec:
        problems = []
        if self.gateway.enabled and not self.cert_manager.enabled:
            problems.append("gateway.enabled needs certManager.enabled (the gateway's TLS certificate)")
        if self.policy.enabled and not self.cert_manager.enabled:
            problems.append("policy.enabled needs certManager.enabled (OPA serves decisions over TLS)")
        if self.catalog.enabled and not self.external_secrets.enabled:
            problems.append("catalog.enabled needs externalSecrets.enabled (the database admin credential)")
        if self.catalog.expose and not (self.catalog.enabled and self.gateway.enabled):
            problems.append("catalog.expose needs catalog.enabled and gateway.enabled")
        if self.workflows.expose_ui and self.workflows.enabled and not self.gateway.enabled:
            problems.append("workflows.exposeUi needs gateway.enabled (or set exposeUi: false)")
        if self.cert_manager.cluster_issuer.acme is not None and not (self.gateway.enabled and self.gateway.public):
            problems.append(
                "certManager.clusterIssuer.acme needs gateway.enabled and gateway.public: the CA must reach "
                "the HTTP-01 challenge (use privateCa for an internal gateway)"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def certificate_names(self) -> list[str]:
        """DNS names of the gateway certificate: ACME (HTTP-01 cannot issue wildcards) names each exposed host,
        the private CA issues `*.<domain>`."""
        if self.cert_manager.cluster_issuer.acme is not None:
            return [self.domain] + [f"{host}.{self.domain}" for host in self.gateway.hosts]
        return [self.domain, f"*.{self.domain}"]

    def certificate_problems(self) -> list[tuple[str, str]]:
        """(key path, reason) for certificate names no DNS or CA accepts: too long, or too many for ACME."""
        if not (self.gateway.enabled and self.cert_manager.enabled):
            return []
        names = self.certificate_names()
        path = "gateway.hosts" if self.cert_manager.cluster_issuer.acme is not None else "domain"
        problems = [(path, f"certificate name {n[:60]!r}: {'; '.join(dns_name_problems(n))}") for n in names if dns_name_problems(n)]
        if len(names) > ACME_MAX_NAMES and self.cert_manager.cluster_issuer.acme is not None:
            problems.append(
                (path, f"{len(names)} certificate names (the domain and each host); an ACME CA signs at most "
                 f"{ACME_MAX_NAMES} (https://letsencrypt.org/docs/rate-limits/)")
            )
        return problems

    def enabled_services(self) -> list[str]:
        """Keys (as in `core_kernel.naming.NAMESPACES`) of the services switched on, in install order."""
        switches = {
            "certManager": self.cert_manager.enabled,
            "externalSecrets": self.external_secrets.enabled,
            "gateway": self.gateway.enabled,
            "monitoring": self.monitoring.enabled,
            "workflows": self.workflows.enabled,
            "spark": self.spark.enabled,
            "catalog": self.catalog.enabled,
            "policy": self.policy.enabled,
        }
        return [key for key, on in switches.items() if on]
