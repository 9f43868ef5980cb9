"""`cloud-kernel:aws:Cluster`: the EKS control plane and what must exist before any node joins.

- Private API endpoint always; a public one only with `cluster.publicEndpoint` and its CIDR allow-list. The
  networks in `cluster.privateAccessCidrs` (a CI runner's subnet, a VPN) reach the private endpoint on 443.
- Kubernetes Secrets envelope-encrypted with the `cluster` KMS key.
- Control-plane logs (api, audit, authenticator) into a log group created *before* the cluster, with a
  retention and the `logs` KMS key (otherwise EKS creates it unencrypted and kept forever).
- Authentication mode API: access entries only, no aws-auth ConfigMap; `cluster.admins` (and, unless
  turned off, the deployer role) get the cluster-admin access policy.
- No self-managed add-ons bootstrapped: vpc-cni (with its own IRSA role, network policies on) and
  kube-proxy are EKS managed add-ons installed before node groups, so node groups never start without a CNI.
- An IAM OIDC provider for IRSA.

`ClusterAddons` (`cloud-kernel:aws:ClusterAddons`) holds the add-ons that need running nodes (coredns); it is
created after the node pools. The storage drivers live with the storage classes in `volumes.py`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from cloud_kernel.aws import names
from cloud_kernel.aws.names import DEPLOYER_ADMIN, principal_key
from cloud_kernel.aws.identity import irsa_role
from cloud_kernel.aws.limits import ADDON_VERSIONS
from cloud_kernel.aws.providers import AwsEnv
from cloud_kernel.specs import AwsSpec, ClusterSpec

# EKS managed add-on versions per Kubernetes minor. Pinned: an add-on only changes when this table (or
# `cloud-kernel:cloud.aws.addonVersions`) does, never because AWS published a newer default.
CONTROL_PLANE_LOGS = ["api", "audit", "authenticator"]
CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


def addon_version(version: str, addon: str, aws_spec: AwsSpec) -> str:
    if addon in aws_spec.addon_versions:
        return aws_spec.addon_versions[addon]  # type: ignore[index]
    table = ADDON_VERSIONS.get(version)
    if table is None:
        raise ValueError(
            f"no pinned EKS add-on versions for Kubernetes {version}; known: {', '.join(sorted(ADDON_VERSIONS))}. "
            f"Pin them in cloud-kernel:cloud.aws.addonVersions"
        )
    return table[addon]


def managed_addon(
    name: str,
    cluster: aws.eks.Cluster,
    addon: str,
    version: str,
    *,
    parent: pulumi.Resource,
    role_arn: pulumi.Input[str] | None = None,
    configuration: str | None = None,
    depends_on: Sequence[pulumi.Resource] = (),
) -> aws.eks.Addon:
    return aws.eks.Addon(
        name,
        cluster_name=cluster.name,
        addon_name=addon,
        addon_version=version,
        service_account_role_arn=role_arn,
        configuration_values=configuration,
        resolve_conflicts_on_create="OVERWRITE",
        resolve_conflicts_on_update="OVERWRITE",
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )


class Cluster(pulumi.ComponentResource):
    cluster: aws.eks.Cluster
    oidc_provider: aws.iam.OpenIdConnectProvider

    def __init__(
        self,
        name: str,
        env: AwsEnv,
        spec: ClusterSpec,
        aws_spec: AwsSpec,
        *,
        subnet_ids: Sequence[pulumi.Input[str]],
        secrets_key_arn: pulumi.Input[str],
        logs_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:aws:Cluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.version = spec.version

        role = aws.iam.Role(
            f"{name}-role",
            description=f"{env.prefix}: EKS control plane",
            assume_role_policy=env.policy_document(
                [
                    {
                        "effect": "Allow",
                        "actions": ["sts:AssumeRole", "sts:TagSession"],
                        "principals": [{"type": "Service", "identifiers": ["eks.amazonaws.com"]}],
                    }
                ],
                self,
            ),
            opts=child,
        )
        cluster_policy = aws.iam.RolePolicyAttachment(
            f"{name}-role-AmazonEKSClusterPolicy", role=role.name, policy_arn=env.managed_policy("AmazonEKSClusterPolicy"), opts=child
        )
        # The control plane may use the secrets key for envelope encryption, and only that key.
        key_policy = aws.iam.RolePolicy(
            f"{name}-role-secrets-key",
            role=role.name,
            policy=env.policy_document(
                [
                    {
                        "effect": "Allow",
                        "actions": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
                        "resources": [secrets_key_arn],
                    }
                ],
                self,
            ),
            opts=child,
        )
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=names.cluster_log_group(env.project, env.stack),
            retention_in_days=spec.log_retention_days,
            kms_key_id=logs_key_arn,
            opts=child,
        )
        self.cluster = aws.eks.Cluster(
            f"{name}-eks",
            name=env.cluster_name,
            version=spec.version,
            role_arn=role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=list(subnet_ids),
                endpoint_private_access=True,
                endpoint_public_access=spec.public_endpoint,
                public_access_cidrs=list(spec.public_access_cidrs) if spec.public_endpoint else None,
            ),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                resources=["secrets"], provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=secrets_key_arn)
            ),
            enabled_cluster_log_types=CONTROL_PLANE_LOGS,
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API", bootstrap_cluster_creator_admin_permissions=False
            ),
            bootstrap_self_managed_addons=False,
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            deletion_protection=env.production,
            opts=env.stateful(self, depends_on=[self.log_group, cluster_policy, key_policy]),
        )
        self.name = self.cluster.name
        self.endpoint = self.cluster.endpoint
        self.ca_data = self.cluster.certificate_authority.apply(lambda ca: ca.data)
        self.issuer = self.cluster.identities.apply(lambda ids: ids[0].oidcs[0].issuer)
        self.security_group_id = self.cluster.vpc_config.apply(lambda v: v.cluster_security_group_id)
        self.deployer_access = self._private_access(name, spec)

        self.oidc_provider = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc",
            url=self.issuer,
            client_id_lists=["sts.amazonaws.com"],
            opts=child,
        )

        admins = {principal_key(arn): arn for arn in sorted(set(spec.admins))}
        if len(admins) != len(set(spec.admins)):
            raise ValueError("cloud-kernel:cloud.cluster.admins: two principals end in the same name")
        self.access: list[pulumi.Resource] = []
        for key, arn in admins.items():
            self.access += self._admin(f"{name}-admin-{key}", arn, env)
        if aws_spec.grant_deployer_admin:
            # The role running Pulumi applies the Kubernetes objects; with bootstrap admin off it needs an entry.
            caller = aws.get_caller_identity_output(opts=env.invoke(self))
            deployer = aws.iam.get_session_context_output(arn=caller.arn, opts=env.invoke(self)).issuer_arn
            self.access += self._admin(f"{name}-admin-{DEPLOYER_ADMIN}", deployer, env)

        self.cni_role = irsa_role(
            f"{name}-vpc-cni",
            env,
            oidc_provider_arn=self.oidc_provider.arn,
            issuer=self.issuer,
            namespace="kube-system",
            service_account="aws-node",
            description=f"{env.prefix}: VPC CNI (aws-node)",
            parent=self,
            managed_policies=["AmazonEKS_CNI_Policy"],
        )
        self.vpc_cni = managed_addon(
            f"{name}-vpc-cni",
            self.cluster,
            "vpc-cni",
            addon_version(spec.version, "vpc-cni", aws_spec),
            parent=self,
            role_arn=self.cni_role.arn,
            # Network policies enforced by the VPC CNI node agent: the core kernel's zero-trust policies need it.
            configuration='{"enableNetworkPolicy":"true"}',
        )
        self.kube_proxy = managed_addon(
            f"{name}-kube-proxy", self.cluster, "kube-proxy", addon_version(spec.version, "kube-proxy", aws_spec), parent=self
        )
        self.before_nodes: list[pulumi.Resource] = [self.vpc_cni, self.kube_proxy]
        self.register_outputs(
            {"name": self.name, "endpoint": self.endpoint, "oidcIssuer": self.issuer, "oidcProviderArn": self.oidc_provider.arn}
        )

    def _private_access(self, name: str, spec: ClusterSpec) -> list[pulumi.Resource]:
        """HTTPS to the private API endpoint from `cluster.privateAccessCidrs` (the deployer's networks): the
        cluster security group otherwise admits only the cluster itself, and every Kubernetes call would time out."""
        return [
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-api-from-{cidr.replace('/', '-').replace('.', '-')}",
                security_group_id=self.security_group_id,
                description=f"Kubernetes API (private endpoint) from {cidr}",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                cidr_ipv4=cidr,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for cidr in sorted(set(spec.private_access_cidrs))
        ]

    def _admin(self, name: str, principal: pulumi.Input[str], env: AwsEnv) -> list[pulumi.Resource]:
        entry = aws.eks.AccessEntry(
            name, cluster_name=self.cluster.name, principal_arn=principal, type="STANDARD", opts=pulumi.ResourceOptions(parent=self)
        )
        association = aws.eks.AccessPolicyAssociation(
            name,
            cluster_name=self.cluster.name,
            principal_arn=principal,
            policy_arn=CLUSTER_ADMIN_POLICY,
            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[entry]),
        )
        return [entry, association]


class ClusterAddons(pulumi.ComponentResource):
    """`cloud-kernel:aws:ClusterAddons`: managed add-ons that need nodes to run (coredns)."""

    def __init__(
        self,
        name: str,
        cluster: Cluster,
        aws_spec: AwsSpec,
        *,
        node_groups: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:aws:ClusterAddons", name, None, opts)
        self.coredns = managed_addon(
            f"{name}-coredns",
            cluster.cluster,
            "coredns",
            addon_version(cluster.version, "coredns", aws_spec),
            parent=self,
            depends_on=node_groups,
        )
        self.addons: list[pulumi.Resource] = [self.coredns]
        self.register_outputs({"coredns": self.coredns.addon_version})
