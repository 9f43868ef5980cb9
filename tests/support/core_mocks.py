"""Pulumi mocks for core-kernel component tests: build a `CoreKernel` against a fake contract offline.

`build_core(spec, environment)` runs the component under Pulumi's mock runtime (in its own contextvars
context, so tests do not share runtime state) and returns every registration (type, name, parent,
dependencies, plain inputs) plus the resolved `PlatformContext`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor

_SECRET_KEY = "4dabf18193072939515e22adb298388d"  # pulumi.runtime.rpc signature key
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
FAKE_ROLE = "arn:aws:iam::123456789012:role/{name}"


@dataclass
class Registered:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    dependencies: list[str]
    inputs: dict[str, Any]
    ignore_changes: list[str]
    delete_before_replace: bool


@dataclass
class CoreBuild:
    resources: list[Registered]
    context: Any  # PlatformContext
    warnings: list[str] = field(default_factory=list)

    def by_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.type == typ]

    def names(self) -> set[str]:
        return {r.name for r in self.resources}

    def named(self, name: str) -> Registered:
        (match,) = [r for r in self.resources if r.name == name]
        return match

    def kubernetes_objects(self) -> list[dict[str, Any]]:
        """Every Kubernetes object written as a typed or custom resource (not Helm releases)."""
        return [
            plain(r.inputs)
            for r in self.resources
            if r.custom and r.type.startswith("kubernetes:") and "apiVersion" in r.inputs and "kind" in r.inputs
        ]


def plain(value: Any) -> Any:
    """Mock inputs carry numbers as floats (integral ones become ints again) and secrets wrapped in the
    wire format's secret marker (unwrapped here)."""
    if isinstance(value, dict) and _SECRET_KEY in value and "value" in value:
        return plain(value["value"])
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        state = dict(args.inputs)
        if args.typ == RANDOM_PASSWORD:
            state["result"] = "p" * int(args.inputs.get("length", 16))
        if args.typ == RANDOM_BYTES:
            raw = bytes(range(int(args.inputs.get("length", 16))))
            state.update(base64=base64.b64encode(raw).decode("ascii"), hex=raw.hex())
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


class _Monitor(MockMonitor):
    def __init__(self):
        super().__init__(_Mocks())
        self.registered: list[Registered] = []

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            from pulumi.runtime import rpc

            self.registered.append(
                Registered(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    custom=bool(request.custom),
                    dependencies=sorted(request.dependencies),
                    inputs=rpc.deserialize_properties(request.object),
                    ignore_changes=list(request.ignoreChanges),
                    delete_before_replace=bool(request.deleteBeforeReplace),
                )
            )
        return response


def fake_contract(
    *,
    cloud: str = "aws",
    environment: str = "dev",
    identities: bool = True,
    secret_store: bool = True,
    postgres: tuple[str, ...] = ("platform",),
    lakehouse: tuple[str, ...] = ("curated", "raw"),
):
    """A `CloudKernelContract` of plain values wrapped in Outputs, with a real `k8s.Provider` (mocked)."""
    import pulumi_kubernetes as k8s

    from cloud_kernel.contracts import (
        CloudKernelContract,
        LakehouseBucket,
        NodePoolFacts,
        PostgresInstance,
        SecretStore,
        WorkloadIdentity,
    )
    from core_kernel.identities import identity_requests
    from core_kernel.specs import CoreKernelSpec

    out = pulumi.Output.from_input
    cluster = f"ck-{environment}"
    provider = k8s.Provider("k8s", kubeconfig="apiVersion: v1\nkind: Config\n")
    requests = identity_requests(CoreKernelSpec(domain="x.example.com"), environment, lakehouse, cloud=cloud)
    return CloudKernelContract(
        cloud=cloud,
        region="eu-west-1",
        environment=environment,
        cluster_name=out(cluster),
        cluster_endpoint=out("https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com"),
        kubeconfig=pulumi.Output.secret("apiVersion: v1\nkind: Config\n"),
        oidc_issuer=out("https://oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF"),
        kubernetes_version="1.33",
        kubernetes_provider=provider,
        storage_classes={"standard": "standard", "shared": "shared"},
        default_storage_class="standard",
        shared_storage_class="shared",
        node_pools={
            "system": NodePoolFacts(
                "system",
                "general-medium",
                {"cloud-kernel.io/pool": "system"},
                [{"key": "cloud-kernel.io/system", "value": "true", "effect": "NoSchedule"}],
                False,
                False,
            ),
            "general": NodePoolFacts("general", "general-medium", {"cloud-kernel.io/pool": "general"}, [], False, False),
            "gpu": NodePoolFacts(
                "gpu",
                "general-xlarge",
                {"cloud-kernel.io/pool": "gpu"},
                [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}],
                True,
                False,
            ),
        },
        lakehouse={
            key: LakehouseBucket(name=out(f"{cluster}-{key}"), uri=out(f"s3://{cluster}-{key}"), region="eu-west-1")
            for key in lakehouse
        },
        postgres={
            key: PostgresInstance(
                host=out(f"{cluster}-{key}.abc.eu-west-1.rds.amazonaws.com"),
                port=out(5432),
                engine_version="16",
                admin_username="kernel_admin",
                admin_secret_ref=out(f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:{cluster}/{key}"),
            )
            for key in postgres
        },
        identities={
            r.name: WorkloadIdentity(
                namespace=r.namespace,
                service_account=r.service_account,
                annotations=out({"eks.amazonaws.com/role-arn": FAKE_ROLE.format(name=r.name)}),
                principal=out(FAKE_ROLE.format(name=r.name)),
            )
            for r in requests
        }
        if identities
        else {},
        secret_store=SecretStore(
            provider={
                "aws": {
                    "service": "SecretsManager",
                    "region": "eu-west-1",
                    "auth": {"jwt": {"serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"}}},
                }
            },
            identity="external-secrets",
        )
        if secret_store
        else None,
        cluster_ready=[],
        network_id=out("vpc-0123456789abcdef0"),
    )


def build_core(spec, environment: str = "dev", **contract_kwargs: Any) -> CoreBuild:
    """Build `CoreKernel("core", spec, fake_contract(...), environment)` under mocks."""
    from core_kernel.kernel import CoreKernel
    from kernelctl.plan.runner import execute

    holder: dict[str, Any] = {}

    def program() -> None:
        contract = fake_contract(environment=environment, **contract_kwargs)
        kernel = CoreKernel("core", spec, contract, environment)
        kernel.context.apply(lambda c: holder.__setitem__("context", c))

    monitor = _Monitor()
    execute(program, project="cloud-kernel", stack=environment, monitor=monitor)
    return CoreBuild(resources=monitor.registered, context=holder.get("context"))
