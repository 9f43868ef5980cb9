"""Component tests of the AWS backend on the simulated cloud: exact child types and the inputs that carry the
secure defaults, per component. Two scenarios, each run once per module: a dev-like kernel (two zones, one
NAT, public endpoint with an allow-list, RDS) and a prod kernel (three zones, NAT per zone, interface
endpoints, GPU pool, fast + shared volumes, RDS Multi-AZ and Aurora)."""

from __future__ import annotations

import json
from collections import Counter

import pulumi
import pytest

from cloud_kernel.aws.backend import AwsCloudKernel
from cloud_kernel.cidr import plan_subnets
from cloud_kernel.specs import CloudKernelSpec, IdentityRequest
from kernelctl.plan.recorder import RecordingMonitor
from kernelctl.plan.runner import execute
from kernelctl.plan.simulated import SimulatedCloud
from kernelctl.plan.simulated.context import SimContext
from tests.support.kernel_run import PROJECT, KernelRun
ADMIN = "arn:aws:iam::123456789012:role/platform-admins"

DEV = {
    "provider": "aws",
    "region": "eu-west-1",
    "network": {"cidr": "10.20.0.0/16", "zones": 2, "nat": "single"},
    "cluster": {"version": "1.33", "publicEndpoint": True, "publicAccessCidrs": ["203.0.113.0/24"], "admins": [ADMIN]},
    "nodePools": {
        "system": {"machine": "general-medium", "minSize": 2, "maxSize": 3},
        "batch": {
            "machine": "compute-large", "spot": True, "minSize": 0, "maxSize": 5,
            "taints": [{"key": "cloud-kernel.io/batch", "value": "true", "effect": "NoSchedule"}],
        },
    },
    "lakehouse": {"lake": {"noncurrentVersionDays": 7}},
    "postgres": {"platform": {"storageGb": 20, "maxStorageGb": 100, "deletionProtection": False}},
}
PROD = {
    "provider": "aws",
    "region": "eu-central-1",
    "network": {"cidr": "10.40.0.0/16", "zones": 3, "nat": "perZone", "interfaceEndpoints": ["sts", "ecr.api"]},
    "cluster": {"version": "1.33", "logRetentionDays": 365},
    "nodePools": {
        "system": {"machine": "general-large", "minSize": 3, "maxSize": 6},
        "gpu": {
            "machine": "general-xlarge", "gpu": {"class": "nvidia-a10g"}, "minSize": 0, "maxSize": 4,
            "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
        },
    },
    "volumes": {"classes": {"standard": {"default": True}, "fast": {"tier": "fast", "iopsPerGb": 100}, "shared": {"tier": "shared"}}},
    "lakehouse": {"lake": {"archiveAfterDays": 180}},
    "postgres": {
        "platform": {"size": "large", "highAvailability": True, "backupRetentionDays": 14},
        "analytics": {"engine": "aurora", "size": "xlarge", "highAvailability": True, "backupRetentionDays": 30},
    },
}
IDENTITIES = [
    IdentityRequest(name="catalog", namespace="core", service_account="iceberg-catalog", buckets={"lake": "readwrite"}, prefix="warehouse"),
    IdentityRequest(name="reader", namespace="ws-sales", service_account="reader", buckets={"lake": "read"}),
    IdentityRequest(name="external-secrets", namespace="core", service_account="external-secrets", secrets_read=True, secrets_prefix="platform/"),
]


class Run(KernelRun):
    cloud = "aws"

    def __init__(self, spec: dict, environment: str, stack: str):
        self.spec = CloudKernelSpec.model_validate(spec)
        captured = {}

        def program() -> None:
            kernel = AwsCloudKernel("cloud", self.spec, environment=environment, identities=IDENTITIES)
            contract = kernel.contract
            captured["contract"] = contract
            for key, value in contract.exports().items():
                pulumi.export(key, value)
            pulumi.export("clusterReady", [r.urn for r in contract.cluster_ready])
            pulumi.export("identityAnnotations", {k: v.annotations for k, v in contract.identities.items()})
            pulumi.export("adminUsers", {k: v.admin_username for k, v in contract.postgres.items()})

        self.record(program, stack=stack, region=self.spec.region)
        self.contract = captured["contract"]

    def child(self, parent_type: str, parent: str, type_: str, name: str):
        reg = self.one(type_, name)
        assert reg.parent == self.component(parent_type, parent).urn
        return reg


@pytest.fixture(scope="module")
def dev() -> Run:
    return Run(DEV, "dev", "test-dev")


@pytest.fixture(scope="module")
def prod() -> Run:
    return Run(PROD, "prod", "test-prod")


def policy(reg, field: str = "policy") -> dict:
    return json.loads(reg.inputs[field])


def statements(reg, field: str = "policy") -> dict[str, dict]:
    return {s.get("Sid", str(i)): s for i, s in enumerate(policy(reg, field)["Statement"])}


# ----- root --------------------------------------------------------------------------------------------------
def test_root_owns_every_component_and_the_providers(dev: Run) -> None:
    assert dev.children("CloudKernel", "cloud") == Counter(
        {
            "pulumi:providers:aws": 1,
            "pulumi:providers:kubernetes": 1,
            "cloud-kernel:aws:Keys": 1,
            "cloud-kernel:aws:Network": 1,
            "cloud-kernel:aws:Cluster": 1,
            "cloud-kernel:aws:NodePool": 2,
            "cloud-kernel:aws:ClusterAddons": 1,
            "cloud-kernel:aws:Volumes": 1,
            "cloud-kernel:aws:AccessLogBucket": 1,
            "cloud-kernel:aws:LakehouseBucket": 1,
            "cloud-kernel:aws:Postgres": 1,
            "cloud-kernel:aws:WorkloadIdentity": 3,
        }
    )


def test_aws_provider_has_region_and_default_tags(dev: Run) -> None:
    provider = dev.one("pulumi:providers:aws", "cloud-aws")
    assert provider.inputs["region"] == "eu-west-1"
    tags = json.loads(provider.inputs["defaultTags"])["tags"] if isinstance(provider.inputs["defaultTags"], str) else provider.inputs["defaultTags"]["tags"]
    assert tags == {"environment": "dev", "stack": "test-dev", "project": PROJECT, "layer": "cloud-kernel", "managed-by": "cloud-kernel"}


def test_every_aws_resource_uses_the_explicit_provider(dev: Run) -> None:
    provider = dev.one("pulumi:providers:aws", "cloud-aws").urn
    aws_resources = [r for r in dev.regs.values() if r.custom and r.type.startswith("aws:")]
    assert aws_resources and all(r.provider == provider for r in aws_resources)
    k8s = dev.one("pulumi:providers:kubernetes", "cloud-kubernetes").urn
    assert all(r.provider == k8s for r in dev.regs.values() if r.type.startswith("kubernetes:"))


def test_kubernetes_provider_uses_a_stable_cluster_identifier_and_exec_auth(dev: Run) -> None:
    provider = dev.one("pulumi:providers:kubernetes", "cloud-kubernetes")
    assert provider.inputs["clusterIdentifier"] == "cloud-kernel-test-dev"
    assert "kubeconfig" in provider.secret_paths
    assert provider.inputs["deleteUnreachable"] in (True, "true")


# ----- keys ----------------------------------------------------------------------------------------------------
def test_keys_one_rotating_key_and_alias_per_purpose(dev: Run, prod: Run) -> None:
    assert dev.children("Keys", "cloud-keys") == Counter({"aws:kms/key:Key": 5, "aws:kms/alias:Alias": 5})
    for run, protected in ((dev, False), (prod, True)):
        for key in run.all("aws:kms/key:Key"):
            assert key.inputs["enableKeyRotation"] is True
            assert key.inputs["deletionWindowInDays"] == 30
            assert key.protect is protected
            root = statements(key)["AccountAdministration"]
            assert root["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    aliases = {a.inputs["name"] for a in dev.all("aws:kms/alias:Alias")}
    assert aliases == {f"alias/cloud-kernel-test-dev/{p}" for p in ("cluster", "volumes", "lakehouse", "databases", "logs")}


def test_logs_key_admits_cloudwatch_logs_only_for_this_stacks_log_groups(dev: Run) -> None:
    logs = statements(dev.one("aws:kms/key:Key", "cloud-keys-logs"))["CloudWatchLogsForThisStack"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    arns = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/eks/cloud-kernel-test-dev/*" in arns
    assert all(":log-group:/aws/" in a and "test-dev" in a for a in arns)
    # Every log group the stack creates is covered by the pattern list and uses the logs key.
    logs_key_id = dev.one("aws:kms/alias:Alias", "cloud-keys-logs-alias").inputs["targetKeyId"]
    groups = dev.all("aws:cloudwatch/logGroup:LogGroup")
    assert groups
    for group in groups:
        assert group.inputs["kmsKeyId"] == f"arn:aws:kms:eu-west-1:123456789012:key/{logs_key_id}", group.name
        assert group.inputs["retentionInDays"] > 0


def test_volumes_key_names_the_autoscaling_service_linked_role(dev: Run) -> None:
    s = statements(dev.one("aws:kms/key:Key", "cloud-keys-volumes"))
    slr = "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    assert s["AutoScalingUseOfTheKey"]["Principal"] == {"AWS": slr}
    assert s["AutoScalingGrantsForAwsResources"]["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert set(statements(dev.one("aws:kms/key:Key", "cloud-keys-cluster"))) == {"AccountAdministration"}


# ----- network -------------------------------------------------------------------------------------------------
def test_network_children_dev(dev: Run) -> None:
    assert dev.children("Network", "cloud-network") == Counter(
        {
            "aws:ec2/vpc:Vpc": 1,
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,
            "aws:ec2/internetGateway:InternetGateway": 1,
            "aws:ec2/subnet:Subnet": 4,
            "aws:ec2/routeTable:RouteTable": 3,
            "aws:ec2/route:Route": 3,
            "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
            "aws:ec2/eip:Eip": 1,
            "aws:ec2/natGateway:NatGateway": 1,
            "aws:ec2/vpcEndpoint:VpcEndpoint": 1,
            "aws:cloudwatch/logGroup:LogGroup": 1,
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicy:RolePolicy": 1,
            "aws:ec2/flowLog:FlowLog": 1,
        }
    )


def test_network_children_prod(prod: Run) -> None:
    children = prod.children("Network", "cloud-network")
    assert children["aws:ec2/natGateway:NatGateway"] == 3 and children["aws:ec2/eip:Eip"] == 3
    assert children["aws:ec2/subnet:Subnet"] == 6 and children["aws:ec2/routeTable:RouteTable"] == 4
    assert children["aws:ec2/vpcEndpoint:VpcEndpoint"] == 3  # s3 gateway + sts + ecr.api
    assert children["aws:ec2/securityGroup:SecurityGroup"] == 1
    assert children["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"] == 1


def test_subnets_follow_the_planner_and_carry_elb_tags(prod: Run) -> None:
    plan = plan_subnets("10.40.0.0/16", 3, 19, 24)
    zones = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
    for i, planned in enumerate(plan):
        private = prod.one("aws:ec2/subnet:Subnet", f"cloud-network-private-zone{i + 1}").inputs
        public = prod.one("aws:ec2/subnet:Subnet", f"cloud-network-public-zone{i + 1}").inputs
        assert (private["cidrBlock"], public["cidrBlock"]) == (planned.private, planned.public)
        assert private["availabilityZone"] == public["availabilityZone"] == zones[i]
        assert private["tags"]["kubernetes.io/role/internal-elb"] == "1"
        assert public["tags"]["kubernetes.io/role/elb"] == "1"
        assert private["tags"]["kubernetes.io/cluster/cloud-kernel-test-prod"] == "shared"
        assert private["mapPublicIpOnLaunch"] is False and public["mapPublicIpOnLaunch"] is False


def test_private_routes_use_their_zone_nat_per_zone_and_the_single_nat_otherwise(dev: Run, prod: Run) -> None:
    nat_ids = {r.name: r for r in prod.all("aws:ec2/natGateway:NatGateway")}
    assert sorted(nat_ids) == ["cloud-network-nat-zone1", "cloud-network-nat-zone2", "cloud-network-nat-zone3"]
    routes = [prod.one("aws:ec2/route:Route", f"cloud-network-private-zone{i}-default") for i in (1, 2, 3)]
    assert len({r.inputs["natGatewayId"] for r in routes}) == 3
    for i, route in enumerate(routes, start=1):
        assert nat_ids[f"cloud-network-nat-zone{i}"].urn in route.dependencies
    dev_routes = [dev.one("aws:ec2/route:Route", f"cloud-network-private-zone{i}-default") for i in (1, 2)]
    assert len({r.inputs["natGatewayId"] for r in dev_routes}) == 1
    public = dev.one("aws:ec2/route:Route", "cloud-network-public-default")
    assert public.inputs["gatewayId"].startswith("igw-") and public.inputs["destinationCidrBlock"] == "0.0.0.0/0"


def test_endpoints_flow_logs_and_default_security_group(prod: Run) -> None:
    s3 = prod.one("aws:ec2/vpcEndpoint:VpcEndpoint", "cloud-network-s3").inputs
    assert s3["vpcEndpointType"] == "Gateway" and s3["serviceName"] == "com.amazonaws.eu-central-1.s3"
    assert len(s3["routeTableIds"]) == 3
    sts = prod.one("aws:ec2/vpcEndpoint:VpcEndpoint", "cloud-network-sts").inputs
    assert sts["vpcEndpointType"] == "Interface" and sts["privateDnsEnabled"] is True and len(sts["subnetIds"]) == 3
    https = prod.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "cloud-network-endpoints-https").inputs
    assert (https["fromPort"], https["toPort"], https["cidrIpv4"]) == (443, 443, "10.40.0.0/16")
    flow = prod.one("aws:ec2/flowLog:FlowLog", "cloud-network-flow-log").inputs
    assert flow["trafficType"] == "ALL" and flow["logDestinationType"] == "cloud-watch-logs"
    group = prod.one("aws:cloudwatch/logGroup:LogGroup", "cloud-network-flow-logs").inputs
    assert group["name"] == "/aws/vpc/cloud-kernel-test-prod/flow-logs" and group["retentionInDays"] == 90
    write = statements(prod.one("aws:iam/rolePolicy:RolePolicy", "cloud-network-flow-logs"))["0"]
    assert write["Resource"].endswith(":log-group:/aws/vpc/cloud-kernel-test-prod/flow-logs:*")
    default_sg = prod.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "cloud-network-default-sg").inputs
    assert default_sg["ingress"] == [] and default_sg["egress"] == []


# ----- cluster -------------------------------------------------------------------------------------------------
def test_cluster_children(dev: Run, prod: Run) -> None:
    expected = {
        "aws:iam/role:Role": 2,  # control plane, vpc-cni IRSA
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 2,
        "aws:iam/rolePolicy:RolePolicy": 1,
        "aws:cloudwatch/logGroup:LogGroup": 1,
        "aws:eks/cluster:Cluster": 1,
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
        "aws:eks/addon:Addon": 2,
    }
    assert dev.children("Cluster", "cloud-cluster") == Counter(
        {**expected, "aws:eks/accessEntry:AccessEntry": 2, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": 2}
    )
    assert prod.children("Cluster", "cloud-cluster") == Counter(
        {**expected, "aws:eks/accessEntry:AccessEntry": 1, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": 1}
    )


def test_cluster_is_private_encrypted_logged_and_api_authenticated(dev: Run, prod: Run) -> None:
    eks = prod.one("aws:eks/cluster:Cluster", "cloud-cluster-eks")
    i = eks.inputs
    assert i["name"] == "cloud-kernel-test-prod" and i["version"] == "1.33"
    assert i["vpcConfig"]["endpointPrivateAccess"] is True and i["vpcConfig"]["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in i["vpcConfig"]
    assert i["encryptionConfig"]["resources"] == ["secrets"]
    assert i["encryptionConfig"]["provider"]["keyArn"].startswith("arn:aws:kms:")
    assert i["enabledClusterLogTypes"] == ["api", "audit", "authenticator"]
    assert i["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    assert i["bootstrapSelfManagedAddons"] is False
    assert i["deletionProtection"] is True and eks.protect is True
    log_group = prod.one("aws:cloudwatch/logGroup:LogGroup", "cloud-cluster-logs")
    assert log_group.inputs["name"] == "/aws/eks/cloud-kernel-test-prod/cluster" and log_group.inputs["retentionInDays"] == 365
    assert log_group.urn in eks.dependencies  # created first, so EKS never creates it unencrypted
    d = dev.one("aws:eks/cluster:Cluster", "cloud-cluster-eks")
    assert d.inputs["vpcConfig"]["endpointPublicAccess"] is True
    assert d.inputs["vpcConfig"]["publicAccessCidrs"] == ["203.0.113.0/24"]
    assert d.inputs["deletionProtection"] is False and d.protect is False


def test_cluster_role_may_use_only_the_secrets_key(dev: Run) -> None:
    s = statements(dev.one("aws:iam/rolePolicy:RolePolicy", "cloud-cluster-role-secrets-key"))["0"]
    cluster_key = dev.one("aws:eks/cluster:Cluster", "cloud-cluster-eks").inputs["encryptionConfig"]["provider"]["keyArn"]
    assert s["Resource"] == cluster_key


def test_admins_and_deployer_get_cluster_admin_access_entries(dev: Run) -> None:
    entry = dev.one("aws:eks/accessEntry:AccessEntry", "cloud-cluster-admin-platform-admins").inputs
    assert entry["principalArn"] == ADMIN and entry["type"] == "STANDARD"
    assoc = dev.one("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "cloud-cluster-admin-platform-admins").inputs
    assert assoc["policyArn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    assert assoc["accessScope"] == {"type": "cluster"}
    deployer = dev.one("aws:eks/accessEntry:AccessEntry", "cloud-cluster-admin-deployer").inputs
    assert deployer["principalArn"] == "arn:aws:iam::123456789012:role/cloud-kernel-deployer"


def test_oidc_provider_and_early_addons(dev: Run) -> None:
    oidc = dev.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "cloud-cluster-oidc").inputs
    assert oidc["url"].startswith("https://oidc.eks.eu-west-1.amazonaws.com/id/") and oidc["clientIdLists"] == ["sts.amazonaws.com"]
    cni = dev.one("aws:eks/addon:Addon", "cloud-cluster-vpc-cni").inputs
    assert cni["addonVersion"] == "v1.19.5-eksbuild.3" and cni["serviceAccountRoleArn"].startswith("arn:aws:iam::")
    assert json.loads(cni["configurationValues"]) == {"enableNetworkPolicy": "true"}
    for addon in dev.all("aws:eks/addon:Addon"):
        assert addon.inputs["resolveConflictsOnUpdate"] == "OVERWRITE"
        assert addon.inputs["addonVersion"]
    trust = statements(dev.one("aws:iam/role:Role", "cloud-cluster-vpc-cni"), "assumeRolePolicy")["ServiceAccount"]
    host = oidc["url"].removeprefix("https://")
    assert trust["Condition"]["StringEquals"] == {f"{host}:sub": "system:serviceaccount:kube-system:aws-node", f"{host}:aud": "sts.amazonaws.com"}
    attached = {a.inputs["policyArn"] for a in dev.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if a.name.startswith("cloud-cluster-vpc-cni")}
    assert attached == {"arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"}


# ----- node pools ---------------------------------------------------------------------------------------------
def test_node_pool_children(dev: Run) -> None:
    assert dev.children("NodePool", "cloud-pool-system") == Counter(
        {
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 3,
            "aws:ec2/launchTemplate:LaunchTemplate": 1,
            "aws:eks/nodeGroup:NodeGroup": 1,
        }
    )


def test_launch_templates_require_imdsv2_and_encrypt_the_root_volume(prod: Run) -> None:
    volumes_key = prod.one("aws:kms/key:Key", "cloud-keys-volumes")
    for lt in prod.all("aws:ec2/launchTemplate:LaunchTemplate"):
        i = lt.inputs
        assert i["metadataOptions"] == {
            "httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1, "instanceMetadataTags": "disabled"
        }
        (mapping,) = i["blockDeviceMappings"]
        assert mapping["deviceName"] == "/dev/xvda"
        assert mapping["ebs"]["volumeType"] == "gp3" and mapping["ebs"]["encrypted"] == "true"
        assert mapping["ebs"]["kmsKeyId"].startswith("arn:aws:kms:eu-central-1:")
        assert volumes_key.urn in lt.dependencies
        assert {t["resourceType"] for t in i["tagSpecifications"]} == {"instance", "volume", "network-interface"}


def test_node_groups(dev: Run, prod: Run) -> None:
    batch = dev.one("aws:eks/nodeGroup:NodeGroup", "cloud-pool-batch-nodes")
    i = batch.inputs
    assert i["capacityType"] == "SPOT" and i["instanceTypes"] == ["c7i.2xlarge", "c6i.2xlarge", "c6a.2xlarge", "c5.2xlarge"]
    assert i["taints"] == [{"key": "cloud-kernel.io/batch", "value": "true", "effect": "NO_SCHEDULE"}]
    assert i["scalingConfig"] == {"minSize": 0, "maxSize": 5, "desiredSize": 0}
    assert i["labels"] == {"cloud-kernel.io/pool": "batch"}
    assert i["updateConfig"] == {"maxUnavailablePercentage": 33}
    assert batch.ignore_changes == ["scalingConfig.desiredSize"]
    assert "diskSize" not in i and i["launchTemplate"]["version"] == "1"
    system = dev.one("aws:eks/nodeGroup:NodeGroup", "cloud-pool-system-nodes").inputs
    assert system["capacityType"] == "ON_DEMAND" and system["instanceTypes"] == ["m7i.xlarge"]
    assert system["amiType"] == "AL2023_x86_64_STANDARD"
    gpu = prod.one("aws:eks/nodeGroup:NodeGroup", "cloud-pool-gpu-nodes").inputs
    assert gpu["amiType"] == "AL2023_x86_64_NVIDIA" and gpu["instanceTypes"] == ["g5.4xlarge"]
    assert gpu["taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]


def test_node_groups_wait_for_cni_but_never_for_each_other(dev: Run) -> None:
    groups = dev.all("aws:eks/nodeGroup:NodeGroup")
    urns = {g.urn for g in groups}
    cni = dev.one("aws:eks/addon:Addon", "cloud-cluster-vpc-cni").urn
    proxy = dev.one("aws:eks/addon:Addon", "cloud-cluster-kube-proxy").urn
    for group in groups:
        assert cni in group.dependencies and proxy in group.dependencies
        assert not (set(group.dependencies) & urns)
        launch_templates = {lt.urn for lt in dev.all("aws:ec2/launchTemplate:LaunchTemplate")}
        assert len(set(group.dependencies) & launch_templates) == 1


def test_node_role_has_only_the_node_policies(dev: Run) -> None:
    attached = {a.inputs["policyArn"] for a in dev.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if a.name.startswith("cloud-pool-system-")}
    assert attached == {
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    }
    trust = statements(dev.one("aws:iam/role:Role", "cloud-pool-system-role"), "assumeRolePolicy")["0"]
    assert trust["Principal"] == {"Service": "ec2.amazonaws.com"}


def test_coredns_and_storage_drivers_wait_for_every_node_group(prod: Run) -> None:
    groups = {g.urn for g in prod.all("aws:eks/nodeGroup:NodeGroup")}
    for name in ("cloud-addons-coredns", "cloud-volumes-ebs-csi", "cloud-volumes-efs-csi"):
        assert groups <= set(prod.one("aws:eks/addon:Addon", name).dependencies), name
    ready = set(prod.outputs["clusterReady"])
    assert groups <= ready
    assert {a.urn for a in prod.all("aws:eks/addon:Addon")} <= ready


# ----- volumes -------------------------------------------------------------------------------------------------
def test_volumes_children(dev: Run, prod: Run) -> None:
    base = {
        "aws:iam/role:Role": 1,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
        "aws:iam/rolePolicy:RolePolicy": 1,
        "aws:eks/addon:Addon": 1,
        "kubernetes:storage.k8s.io/v1:StorageClass": 1,
    }
    assert dev.children("Volumes", "cloud-volumes") == Counter(base)
    assert prod.children("Volumes", "cloud-volumes") == Counter(
        {
            "aws:iam/role:Role": 2,
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 2,
            "aws:iam/rolePolicy:RolePolicy": 1,
            "aws:eks/addon:Addon": 2,
            "aws:ec2/securityGroup:SecurityGroup": 1,
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
            "aws:efs/fileSystem:FileSystem": 1,
            "aws:efs/backupPolicy:BackupPolicy": 1,
            "aws:efs/mountTarget:MountTarget": 3,
            "kubernetes:storage.k8s.io/v1:StorageClass": 3,
        }
    )


def test_storage_classes(prod: Run) -> None:
    classes = {c.inputs["metadata"]["name"]: c.inputs for c in prod.all("kubernetes:storage.k8s.io/v1:StorageClass")}
    defaults = [n for n, c in classes.items() if c["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"]
    assert defaults == ["standard"]
    for name, c in classes.items():
        assert c["volumeBindingMode"] == "WaitForFirstConsumer"
    standard, fast, shared = classes["standard"], classes["fast"], classes["shared"]
    assert standard["provisioner"] == fast["provisioner"] == "ebs.csi.aws.com"
    assert standard["parameters"]["type"] == "gp3" and standard["parameters"]["encrypted"] == "true"
    assert standard["parameters"]["kmsKeyId"].startswith("arn:aws:kms:eu-central-1:")
    assert fast["parameters"]["type"] == "io2" and fast["parameters"]["iopsPerGB"] == "100"
    assert fast["parameters"]["allowAutoIOPSPerGBIncrease"] == "true" and "iops" not in fast["parameters"]
    assert standard["allowVolumeExpansion"] is True and fast["allowVolumeExpansion"] is True
    assert shared["provisioner"] == "efs.csi.aws.com" and shared["parameters"]["provisioningMode"] == "efs-ap"
    assert shared["parameters"]["fileSystemId"].startswith("fs-") and shared["allowVolumeExpansion"] is False
    contract = prod.contract
    assert contract.default_storage_class == "standard" and contract.shared_storage_class == "shared"
    assert contract.storage_classes == {"fast": "fast", "shared": "shared", "standard": "standard"}


def test_efs_is_encrypted_private_and_reachable_only_from_the_cluster(prod: Run) -> None:
    efs = prod.one("aws:efs/fileSystem:FileSystem", "cloud-volumes-efs")
    assert efs.inputs["encrypted"] is True and efs.inputs["kmsKeyId"].startswith("arn:aws:kms:") and efs.protect
    nfs = prod.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "cloud-volumes-efs-nfs").inputs
    assert (nfs["fromPort"], nfs["toPort"]) == (2049, 2049) and nfs["referencedSecurityGroupId"].startswith("sg-")
    assert "cidrIpv4" not in nfs
    subnets = {s.inputs.get("cidrBlock") for s in prod.all("aws:ec2/subnet:Subnet") if "private" in s.name}
    assert len(subnets) == 3 == len(prod.all("aws:efs/mountTarget:MountTarget"))
    ebs = statements(prod.one("aws:iam/rolePolicy:RolePolicy", "cloud-volumes-ebs-csi-policy"))
    assert ebs["VolumeKeyGrants"]["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}


# ----- lakehouse ---------------------------------------------------------------------------------------------------
def test_lakehouse_bucket_children(dev: Run) -> None:
    assert dev.children("LakehouseBucket", "cloud-bucket-lake") == Counter(
        {
            "aws:s3/bucket:Bucket": 1,
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
            "aws:s3/bucketVersioning:BucketVersioning": 1,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
            "aws:s3/bucketLogging:BucketLogging": 1,
            "aws:s3/bucketPolicy:BucketPolicy": 1,
        }
    )


def test_lakehouse_bucket_inputs(dev: Run, prod: Run) -> None:
    bucket = dev.one("aws:s3/bucket:Bucket", "cloud-bucket-lake-bucket")
    name = bucket.inputs["bucket"]
    assert name.startswith("cloud-kernel-test-dev-lake-") and len(name) <= 63
    assert bucket.inputs["forceDestroy"] is True and bucket.protect is False
    pab = dev.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "cloud-bucket-lake-public-access").inputs
    assert all(pab[f] is True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    own = dev.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "cloud-bucket-lake-ownership").inputs
    assert own["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    ver = dev.one("aws:s3/bucketVersioning:BucketVersioning", "cloud-bucket-lake-versioning").inputs
    assert ver["versioningConfiguration"]["status"] == "Enabled"
    (rule,) = dev.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "cloud-bucket-lake-encryption"
    ).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    key_arn = rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
    assert key_arn.startswith("arn:aws:kms:eu-west-1:") and rule["bucketKeyEnabled"] is True
    s = statements(dev.one("aws:s3/bucketPolicy:BucketPolicy", "cloud-bucket-lake-policy"))
    assert s["DenyInsecureTransport"]["Effect"] == "Deny" and s["DenyInsecureTransport"]["Principal"] == "*"
    assert s["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert s["DenyInsecureTransport"]["Resource"] == [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]
    assert s["DenyOtherKmsKeys"]["Condition"]["StringNotEqualsIfExists"]["s3:x-amz-server-side-encryption-aws-kms-key-id"] == key_arn
    rules = {r["id"]: r for r in dev.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "cloud-bucket-lake-lifecycle").inputs["rules"]}
    assert rules["expire-noncurrent-versions"]["noncurrentVersionExpiration"]["noncurrentDays"] == 7
    assert rules["abort-incomplete-multipart-uploads"]["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7
    assert "archive-current-objects" not in rules
    prod_rules = {r["id"]: r for r in prod.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "cloud-bucket-lake-lifecycle").inputs["rules"]}
    assert prod_rules["archive-current-objects"]["transitions"] == [{"days": 180, "storageClass": "GLACIER_IR"}]
    logging = dev.one("aws:s3/bucketLogging:BucketLogging", "cloud-bucket-lake-logging").inputs
    log_bucket = dev.one("aws:s3/bucket:Bucket", "cloud-access-logs-bucket").inputs["bucket"]
    assert logging["targetBucket"] == log_bucket and logging["targetPrefix"] == "lake/"
    assert prod.one("aws:s3/bucket:Bucket", "cloud-bucket-lake-bucket").protect is True


def test_bucket_names_are_deterministic_and_differ_by_stack(dev: Run) -> None:
    again = Run(DEV, "dev", "test-dev")
    assert again.one("aws:s3/bucket:Bucket", "cloud-bucket-lake-bucket").inputs == dev.one("aws:s3/bucket:Bucket", "cloud-bucket-lake-bucket").inputs


def test_access_log_bucket_is_private_encrypted_and_expires_logs(dev: Run) -> None:
    assert dev.children("AccessLogBucket", "cloud-access-logs")["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"] == 1
    (rule,) = dev.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "cloud-access-logs-encryption"
    ).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    (life,) = dev.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "cloud-access-logs-lifecycle").inputs["rules"]
    assert life["expiration"]["days"] == 365
    s = statements(dev.one("aws:s3/bucketPolicy:BucketPolicy", "cloud-access-logs-policy"))
    assert s["S3ServerAccessLogs"]["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert s["S3ServerAccessLogs"]["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}


# ----- postgres ----------------------------------------------------------------------------------------------------
def test_postgres_children(dev: Run, prod: Run) -> None:
    base = {
        "aws:rds/subnetGroup:SubnetGroup": 1,
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
    }
    assert dev.children("Postgres", "cloud-db-platform") == Counter(
        {**base, "aws:cloudwatch/logGroup:LogGroup": 2, "aws:rds/parameterGroup:ParameterGroup": 1, "aws:rds/instance:Instance": 1}
    )
    assert prod.children("Postgres", "cloud-db-analytics") == Counter(
        {
            **base,
            "aws:cloudwatch/logGroup:LogGroup": 1,
            "aws:rds/clusterParameterGroup:ClusterParameterGroup": 1,
            "aws:rds/cluster:Cluster": 1,
            "aws:rds/clusterInstance:ClusterInstance": 2,
        }
    )


def test_rds_instance_defaults(dev: Run, prod: Run) -> None:
    db = prod.one("aws:rds/instance:Instance", "cloud-db-platform-instance")
    i = db.inputs
    expected = {
        "identifier": "cloud-kernel-test-prod-platform",
        "engine": "postgres",
        "engineVersion": "16",
        "autoMinorVersionUpgrade": True,
        "instanceClass": "db.m7g.xlarge",
        "storageType": "gp3",
        "storageEncrypted": True,
        "manageMasterUserPassword": True,
        "publiclyAccessible": False,
        "multiAz": True,
        "backupRetentionPeriod": 14,
        "deletionProtection": True,
        "skipFinalSnapshot": False,
        "finalSnapshotIdentifier": "cloud-kernel-test-prod-platform-final",
        "iamDatabaseAuthenticationEnabled": True,
        "performanceInsightsEnabled": True,
        "copyTagsToSnapshot": True,
        "maxAllocatedStorage": 200,
        "backupWindow": "02:00-03:00",
        "maintenanceWindow": "sun:03:30-sun:04:30",
        "caCertIdentifier": "rds-ca-rsa2048-g1",
    }
    assert {k: i.get(k) for k in expected} == expected
    key = i["kmsKeyId"]
    assert key.startswith("arn:aws:kms:") and i["masterUserSecretKmsKeyId"] == key and i["performanceInsightsKmsKeyId"] == key
    assert "password" not in i
    assert db.protect is True and db.ignore_changes == ["allocatedStorage"]
    d = dev.one("aws:rds/instance:Instance", "cloud-db-platform-instance")
    assert d.inputs["multiAz"] is False and d.inputs["skipFinalSnapshot"] is True and "finalSnapshotIdentifier" not in d.inputs
    assert d.inputs["instanceClass"] == "db.t4g.medium" and d.protect is False
    logs = {g.inputs["name"] for g in dev.all("aws:cloudwatch/logGroup:LogGroup") if g.name.startswith("cloud-db-platform")}
    assert logs == {"/aws/rds/instance/cloud-kernel-test-dev-platform/postgresql", "/aws/rds/instance/cloud-kernel-test-dev-platform/upgrade"}


def test_parameter_groups_force_tls_and_log(dev: Run, prod: Run) -> None:
    pg = dev.one("aws:rds/parameterGroup:ParameterGroup", "cloud-db-platform-params")
    params = {p["name"]: p["value"] for p in pg.inputs["parameters"]}
    assert pg.inputs["family"] == "postgres16"
    assert params["rds.force_ssl"] == "1" and params["log_min_duration_statement"] == "1000" and params["log_connections"] == "1"
    assert pg.urn in dev.one("aws:rds/instance:Instance", "cloud-db-platform-instance").dependencies
    cpg = prod.one("aws:rds/clusterParameterGroup:ClusterParameterGroup", "cloud-db-analytics-params").inputs
    assert cpg["family"] == "aurora-postgresql16"
    assert {p["name"]: p["value"] for p in cpg["parameters"]}["rds.force_ssl"] == "1"


def test_aurora_cluster(prod: Run) -> None:
    cluster = prod.one("aws:rds/cluster:Cluster", "cloud-db-analytics-cluster")
    i = cluster.inputs
    assert i["engine"] == "aurora-postgresql" and i["engineVersion"].startswith("16.")
    assert i["storageEncrypted"] is True and i["manageMasterUserPassword"] is True and i["deletionProtection"] is True
    assert i["finalSnapshotIdentifier"] == "cloud-kernel-test-prod-analytics-final" and i["backupRetentionPeriod"] == 30
    assert cluster.ignore_changes == ["engineVersion"] and cluster.protect
    instances = prod.all("aws:rds/clusterInstance:ClusterInstance")
    assert [x.inputs["instanceClass"] for x in instances] == ["db.r7g.2xlarge"] * 2
    assert all(x.inputs["publiclyAccessible"] is False and x.inputs["performanceInsightsEnabled"] for x in instances)


def test_database_admits_postgres_only_from_the_cluster_security_group(dev: Run) -> None:
    rule = dev.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "cloud-db-platform-from-cluster")
    assert (rule.inputs["fromPort"], rule.inputs["toPort"], rule.inputs["ipProtocol"]) == (5432, 5432, "tcp")
    assert rule.inputs["referencedSecurityGroupId"].startswith("sg-") and "cidrIpv4" not in rule.inputs
    assert dev.one("aws:eks/cluster:Cluster", "cloud-cluster-eks").urn in rule.dependencies


# ----- workload identities --------------------------------------------------------------------------------------------
def test_workload_identity_trust_and_scoped_policies(dev: Run) -> None:
    assert dev.children("WorkloadIdentity", "cloud-identity-catalog") == Counter({"aws:iam/role:Role": 1, "aws:iam/rolePolicy:RolePolicy": 1})
    role = dev.one("aws:iam/role:Role", "cloud-identity-catalog-role")
    trust = statements(role, "assumeRolePolicy")["ServiceAccount"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Principal"]["Federated"].startswith("arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/")
    (sub,) = [v for k, v in trust["Condition"]["StringEquals"].items() if k.endswith(":sub")]
    assert sub == "system:serviceaccount:core:iceberg-catalog"
    bucket = dev.one("aws:s3/bucket:Bucket", "cloud-bucket-lake-bucket").inputs["bucket"]
    s = statements(dev.one("aws:iam/rolePolicy:RolePolicy", "cloud-identity-catalog-role-policy"))
    assert s["ObjectsLake"]["Resource"] == f"arn:aws:s3:::{bucket}/warehouse/*"
    assert "s3:PutObject" in s["ObjectsLake"]["Action"]
    assert s["ListLake"]["Condition"]["StringLike"]["s3:prefix"] == ["warehouse/*", "warehouse/"]
    assert s["LakehouseKey"]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}
    assert "kms:GenerateDataKey" in s["LakehouseKey"]["Action"]
    reader = statements(dev.one("aws:iam/rolePolicy:RolePolicy", "cloud-identity-reader-role-policy"))
    assert reader["ObjectsLake"]["Resource"] == f"arn:aws:s3:::{bucket}/*"
    assert "s3:PutObject" not in reader["ObjectsLake"]["Action"] and "kms:GenerateDataKey" not in reader["LakehouseKey"]["Action"]
    secrets = statements(dev.one("aws:iam/rolePolicy:RolePolicy", "cloud-identity-external-secrets-role-policy"))
    assert set(secrets) == {"ReadSecrets"}
    assert secrets["ReadSecrets"]["Resource"] == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform/*"


def test_contract_is_complete(dev: Run) -> None:
    c, out = dev.contract, dev.outputs
    assert c.cloud == "aws" and c.region == "eu-west-1" and c.kubernetes_version == "1.33"
    assert out["clusterName"] == "cloud-kernel-test-dev"
    assert out["clusterEndpoint"].startswith("https://") and out["clusterEndpoint"].endswith(".gr7.eu-west-1.eks.amazonaws.com")
    assert out["oidcIssuer"].startswith("https://oidc.eks.eu-west-1.amazonaws.com/id/")
    assert out["kubeconfig"] == "[secret]"
    assert out["lakehouse"]["lake"]["uri"] == f"s3://{out['lakehouse']['lake']['bucket']}"
    db = out["postgres"]["platform"]
    assert db["port"] == 5432 and db["host"].endswith(".eu-west-1.rds.amazonaws.com")
    assert db["adminSecret"].startswith("arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!")
    assert out["adminUsers"] == {"platform": "ckadmin"}
    assert set(out["identityAnnotations"]) == {"catalog", "reader", "external-secrets"}
    assert out["identityAnnotations"]["catalog"]["eks.amazonaws.com/role-arn"] == out["identities"]["catalog"]
    assert c.node_pools["batch"].taints == [{"key": "cloud-kernel.io/batch", "value": "true", "effect": "NoSchedule"}]
    assert c.node_pools["batch"].spot and not c.node_pools["batch"].gpu
    assert c.secret_store is not None and c.secret_store.identity == "external-secrets"
    assert c.secret_store.provider == {
        "aws": {
            "service": "SecretsManager",
            "region": "eu-west-1",
            "auth": {"jwt": {"serviceAccountRef": {"name": "external-secrets", "namespace": "core"}}},
        }
    }
    assert len(out["clusterReady"]) == 2 + 2 + 1 + 1  # vpc-cni, kube-proxy, two node groups, coredns, ebs-csi


def test_identity_asking_for_an_unknown_bucket_fails_with_a_message() -> None:
    bad = IdentityRequest(name="x", namespace="n", service_account="s", buckets={"nope": "read"})
    spec = CloudKernelSpec.model_validate(DEV)

    def program() -> None:
        AwsCloudKernel("cloud", spec, environment="dev", identities=[bad])

    cloud = SimulatedCloud(SimContext(project=PROJECT, stack="bad", region="eu-west-1"))
    with pytest.raises(Exception, match="nope"):
        execute(program, project=PROJECT, stack="bad", monitor=RecordingMonitor(cloud))


def test_adding_a_zone_only_adds_resources(dev: Run) -> None:
    """Three zones instead of two: every resource of the two-zone network keeps its inputs (no replacement)."""
    wider = Run({**DEV, "network": {**DEV["network"], "zones": 3}}, "dev", "test-dev")
    before = {urn: r for urn, r in dev.regs.items() if r.custom}
    after = {urn: r for urn, r in wider.regs.items() if r.custom}
    assert set(before) <= set(after)
    added = Counter(after[u].type for u in set(after) - set(before))
    assert added == Counter(
        {
            "aws:ec2/subnet:Subnet": 2,
            "aws:ec2/routeTable:RouteTable": 1,
            "aws:ec2/route:Route": 1,
            "aws:ec2/routeTableAssociation:RouteTableAssociation": 2,
        }
    )
    subnet_like = ("aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable", "aws:ec2/route:Route",
                   "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/natGateway:NatGateway")
    for urn, reg in before.items():
        if reg.type in subnet_like:
            assert after[urn].inputs == reg.inputs, reg.name
