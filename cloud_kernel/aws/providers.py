"""The explicit providers of the AWS backend and the facts every AWS component shares (`AwsEnv`).

Stacks set `pulumi:disable-default-providers: ["*"]`, so nothing here may rely on an ambient provider:
resources inherit the providers from the root component, and every invoke names its provider.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

MANAGED_BY = "cloud-kernel"


@dataclass(frozen=True)
class AwsEnv:
    """What every AWS component needs to know: where it runs, with which provider, how protected."""

    project: str
    stack: str
    environment: str
    region: str
    provider: aws.Provider
    account_id: pulumi.Output[str]
    partition: pulumi.Output[str]
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.environment == "prod"

    @property
    def prefix(self) -> str:
        """Deterministic prefix of physical names: `<project>-<stack>`."""
        return f"{self.project}-{self.stack}"

    @property
    def cluster_name(self) -> str:
        # Known before the cluster exists: subnet tags and the control-plane log group name depend on it.
        return self.prefix

    def invoke(self, parent: pulumi.Resource | None = None) -> pulumi.InvokeOutputOptions:
        return pulumi.InvokeOutputOptions(provider=self.provider, parent=parent)

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> pulumi.Output[str]:
        """`arn:<partition>:<service>:<region>:<account>:<resource>` with the partition and account filled in."""
        return pulumi.Output.all(self.partition, self.account_id).apply(
            lambda pa: f"arn:{pa[0]}:{service}:{self.region if region else ''}:{pa[1] if account else ''}:{resource}"
        )

    def managed_policy(self, name: str) -> pulumi.Output[str]:
        return self.partition.apply(lambda p: f"arn:{p}:iam::aws:policy/{name}")

    def policy_document(self, statements: Sequence[dict[str, Any]], parent: pulumi.Resource) -> pulumi.Output[str]:
        """Render an IAM policy with the provider's own renderer (aws.iam.getPolicyDocument)."""
        return aws.iam.get_policy_document_output(statements=list(statements), opts=self.invoke(parent)).json

    def stateful(self, parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
        """Options for stateful resources: protected in production (a `pulumi destroy` cannot take them)."""
        return pulumi.ResourceOptions(parent=parent, protect=self.production, **kwargs)


def default_tags(project: str, stack: str, environment: str) -> dict[str, str]:
    return {
        "environment": environment,
        "stack": stack,
        "project": project,
        "layer": "cloud-kernel",
        "managed-by": MANAGED_BY,
    }


def aws_provider(name: str, region: str, tags: dict[str, str], parent: pulumi.Resource) -> aws.Provider:
    return aws.Provider(
        name,
        region=region,
        default_tags=aws.ProviderDefaultTagsArgs(tags=tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def kubeconfig(cluster_name: pulumi.Input[str], endpoint: pulumi.Input[str], ca_data: pulumi.Input[str], region: str) -> pulumi.Output[str]:
    """A kubeconfig that authenticates with `aws eks get-token` (short-lived tokens, no static credential)."""

    def render(values: list[str]) -> str:
        name, server, ca = values
        user = {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": "aws",
                "args": ["eks", "get-token", "--cluster-name", name, "--region", region, "--output", "json"],
                "interactiveMode": "Never",
            }
        }
        document = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority-data": ca}}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "current-context": name,
            "users": [{"name": name, "user": user}],
            "preferences": {},
        }
        return json.dumps(document, sort_keys=True)

    return pulumi.Output.secret(pulumi.Output.all(cluster_name, endpoint, ca_data).apply(render))


def kubernetes_provider(
    name: str,
    *,
    cluster_name: str,
    config: pulumi.Output[str],
    production: bool,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> k8s.Provider:
    return k8s.Provider(
        name,
        kubeconfig=config,
        # Only a different cluster replaces the provider (and with it every object it manages); a new
        # endpoint or CA for the same cluster is an in-place provider update.
        cluster_identifier=cluster_name,
        enable_server_side_apply=True,
        # Outside production, a cluster that is already gone must not block `pulumi destroy`.
        delete_unreachable=not production,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
