"""The explicit providers of the AWS backend and the facts every AWS component shares (`AwsEnv`).

Stacks set `pulumi:disable-default-providers: ["*"]`, so nothing here may rely on an ambient provider:
resources inherit the providers from the root component, and every invoke names its provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import pulumi
import pulumi_aws as aws

from cloud_kernel.environment import CloudEnv
from cloud_kernel.kubernetes import exec_kubeconfig, kubernetes_provider

MANAGED_BY = "cloud-kernel"


@dataclass(frozen=True)
class AwsEnv(CloudEnv):
    """What every AWS component needs to know: where it runs, with which provider, how protected."""

    account_id: pulumi.Output[str]
    partition: pulumi.Output[str]
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def cluster_name(self) -> str:
        # Known before the cluster exists: subnet tags and the control-plane log group name depend on it.
        return self.prefix

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
    return pulumi.Output.from_input(cluster_name).apply(
        lambda name: exec_kubeconfig(
            name,
            endpoint,
            ca_data,
            {
                "command": "aws",
                "args": ["eks", "get-token", "--cluster-name", name, "--region", region, "--output", "json"],
                "interactiveMode": "Never",
            },
        )
    )
