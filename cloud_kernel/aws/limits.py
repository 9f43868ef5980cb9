"""What AWS refuses, one table with its sources (pure: no Pulumi import). `cloud_kernel.checks` applies it to a
stack config before any resource exists; the plan policy's name checker applies `NAME_RULES` to a plan.
"""

from __future__ import annotations

from cloud_kernel.aws import names
from cloud_kernel.limits import CloudLimits, NameRule, Problem

DOCS = "https://docs.aws.amazon.com"
SOURCES = {
    "log_retention_days": f"{DOCS}/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
    "min_zones": f"{DOCS}/eks/latest/userguide/network-reqs.html (subnets in at least two Availability Zones)",
    "zones_per_region": "https://aws.amazon.com/about-aws/global-infrastructure/regions_az/",
    "max_node_pools": f"{DOCS}/eks/latest/userguide/service-quotas.html (managed node groups per cluster: 30)",
    "max_pool_size": f"{DOCS}/eks/latest/userguide/service-quotas.html (nodes per managed node group: 450)",
    "max_taints": f"{DOCS}/eks/latest/APIReference/API_CreateNodegroup.html (taints: at most 50)",
    "labels": f"{DOCS}/eks/latest/APIReference/API_CreateNodegroup.html (label keys and values: 1-63 characters)",
    "taint_key_max": f"{DOCS}/eks/latest/APIReference/API_Taint.html (key: 1-63 characters)",
    "interface_endpoints": f"{DOCS}/vpc/latest/privatelink/aws-services-privatelink-support.html",
    "reserved_cidrs": f"{DOCS}/eks/latest/APIReference/API_KubernetesNetworkConfigRequest.html (serviceIpv4Cidr default)",
    "public_access": f"{DOCS}/eks/latest/APIReference/API_VpcConfigRequest.html (no IPv6 blocks on IPv4 clusters); "
    f"{DOCS}/eks/latest/userguide/service-quotas.html (public endpoint access CIDR ranges per cluster: 40)",
    "admin_principal": f"{DOCS}/eks/latest/userguide/creating-access-entries.html (IAM role or user ARN)",
    "db_windows": f"{DOCS}/AmazonRDS/latest/APIReference/API_CreateDBInstance.html (PreferredBackupWindow, PreferredMaintenanceWindow)",
    "aurora_versions": f"{DOCS}/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Updates.html",
}

NAME_RULES = {
    "eks-cluster": NameRule(
        "EKS cluster name", r"[0-9A-Za-z][A-Za-z0-9_-]*", "letters, digits, '-' and '_', starting with a letter or digit",
        100, f"{DOCS}/eks/latest/APIReference/API_CreateCluster.html",
    ),
    "s3-bucket": NameRule(
        "S3 bucket name", r"[a-z0-9][a-z0-9.-]*[a-z0-9]", "lowercase letters, digits, '.' and '-', starting and ending with a letter or digit",
        63, f"{DOCS}/AmazonS3/latest/userguide/bucketnamingrules.html", min_length=3,
        forbidden=("..",), forbidden_prefixes=("xn--", "sthree-", "amzn-s3-demo-"),
        forbidden_suffixes=("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"),
    ),
    "rds-identifier": NameRule(
        "RDS DB identifier", r"[A-Za-z][A-Za-z0-9-]*", "letters, digits and '-', starting with a letter",
        63, f"{DOCS}/AmazonRDS/latest/APIReference/API_CreateDBInstance.html", forbidden=("--",), forbidden_suffixes=("-",),
    ),
    "rds-snapshot": NameRule(
        "RDS final snapshot identifier", r"[A-Za-z][A-Za-z0-9-]*", "letters, digits and '-', starting with a letter",
        255, f"{DOCS}/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html", forbidden=("--",), forbidden_suffixes=("-",),
    ),
    "kms-alias": NameRule(
        "KMS alias", r"alias/[A-Za-z0-9/_-]+", "'alias/' then letters, digits, '/', '_' and '-'",
        256, f"{DOCS}/kms/latest/APIReference/API_CreateAlias.html", forbidden_prefixes=("alias/aws/",),
    ),
    "log-group": NameRule(
        "CloudWatch log group name", r"[A-Za-z0-9._/#-]+", "letters, digits, '.', '_', '/', '#' and '-'",
        512, f"{DOCS}/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
    ),
    "tag-value": NameRule(
        "tag value", r"[\w .:/=+@-]*", "letters, digits, spaces and _ . : / = + - @",
        256, f"{DOCS}/tag-editor/latest/userguide/tagging.html", min_length=0,
    ),
    # Autonamed resources: the provider appends '-' and 7 random characters to the logical name.
    "iam-role": NameRule(
        "IAM role name", r"[\w+=,.@-]+", "letters, digits and + = , . @ _ -",
        64, f"{DOCS}/IAM/latest/APIReference/API_CreateRole.html",
    ),
    "eks-nodegroup": NameRule(
        "EKS node group name", r"[0-9A-Za-z][A-Za-z0-9_-]*", "letters, digits, '-' and '_', starting with a letter or digit",
        63, f"{DOCS}/eks/latest/APIReference/API_CreateNodegroup.html",
    ),
    "rds-parameter-group": NameRule(
        "RDS parameter group name", r"[A-Za-z][A-Za-z0-9-]*", "letters, digits and '-', starting with a letter",
        255, f"{DOCS}/AmazonRDS/latest/APIReference/API_CreateDBParameterGroup.html", forbidden=("--",), forbidden_suffixes=("-",),
    ),
    "launch-template": NameRule(
        "EC2 launch template name", r"[A-Za-z0-9().\-/_]+", "letters, digits and ( ) . - / _",
        128, f"{DOCS}/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html", min_length=3,
    ),
}

# Regions an account can name (commercial, China, GovCloud); a typo here would fail inside `pulumi up`.
REGIONS = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1", "mx-central-1", "sa-east-1",
        "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
        "il-central-1", "me-south-1", "me-central-1", "af-south-1", "ap-east-1", "ap-east-2", "ap-south-1",
        "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
        "ap-southeast-6", "ap-southeast-7", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1",
    }
)
# Availability Zones a new account can use, where a region has other than 3 (every other region has 3).
ZONES_PER_REGION = {"us-east-1": 6, "us-west-1": 2, "us-west-2": 4, "ap-northeast-2": 4}
DEFAULT_ZONES = 3

INTERFACE_ENDPOINTS = frozenset(
    {
        "autoscaling", "ec2", "ec2messages", "ecr.api", "ecr.dkr", "eks", "eks-auth", "elasticfilesystem",
        "elasticloadbalancing", "kms", "logs", "monitoring", "rds", "secretsmanager", "sns", "sqs", "ssm",
        "ssmmessages", "sts", "xray", "aps-workspaces", "glue", "athena", "lambda", "events", "states",
    }
)  # `s3` is not here: the network always has the S3 gateway endpoint.

# Kubernetes 1.x -> the EKS add-on versions the backend installs when `aws.addonVersions` pins none.
ADDON_VERSIONS: dict[str, dict[str, str]] = {
    "1.31": {
        "vpc-cni": "v1.19.5-eksbuild.1",
        "kube-proxy": "v1.31.7-eksbuild.2",
        "coredns": "v1.11.4-eksbuild.10",
        "aws-ebs-csi-driver": "v1.44.0-eksbuild.1",
        "aws-efs-csi-driver": "v2.1.8-eksbuild.1",
    },
    "1.32": {
        "vpc-cni": "v1.19.5-eksbuild.1",
        "kube-proxy": "v1.32.3-eksbuild.7",
        "coredns": "v1.11.4-eksbuild.10",
        "aws-ebs-csi-driver": "v1.44.0-eksbuild.1",
        "aws-efs-csi-driver": "v2.1.8-eksbuild.1",
    },
    "1.33": {
        "vpc-cni": "v1.19.5-eksbuild.3",
        "kube-proxy": "v1.33.0-eksbuild.2",
        "coredns": "v1.12.1-eksbuild.2",
        "aws-ebs-csi-driver": "v1.44.0-eksbuild.1",
        "aws-efs-csi-driver": "v2.1.8-eksbuild.1",
    },
    # Confirm a row with `aws eks describe-addon-versions --kubernetes-version <v> --addon-name <name>`.
    "1.35": {
        "vpc-cni": "v1.22.1-eksbuild.2",
        "kube-proxy": "v1.35.3-eksbuild.11",
        "coredns": "v1.14.3-eksbuild.2",
        "aws-ebs-csi-driver": "v1.60.1-eksbuild.1",
        "aws-efs-csi-driver": "v2.3.0-eksbuild.2",
    },
}
# End of EKS standard support per Kubernetes minor (14 months after the EKS release; extended support costs
# extra per cluster hour). The stacks use a version still in standard support (a test checks it).
STANDARD_SUPPORT_ENDS: dict[str, str] = {
    "1.31": "2025-11-26",
    "1.32": "2026-03-23",
    "1.33": "2026-07-29",
    "1.34": "2026-12-02",
    "1.35": "2027-03-27",
}
# Aurora wants a full engine version; these are the creation defaults, auto minor upgrades move them after.
AURORA_VERSIONS = {"13": "13.20", "14": "14.17", "15": "15.12", "16": "16.8", "17": "17.4"}


def extra_problems(spec) -> list[Problem]:  # spec: CloudKernelSpec
    """AWS rules that fit no column of the table: the region has the zones, someone administers the cluster,
    pinned versions exist."""
    found: list[Problem] = []
    if spec.region not in REGIONS:
        found.append((("region",), f"{spec.region!r} is not an AWS region ({SOURCES['zones_per_region']})"))
    offered = ZONES_PER_REGION.get(spec.region, DEFAULT_ZONES)
    if spec.network.zones > offered:
        found.append(
            (("network", "zones"), f"{spec.network.zones} zones, but {spec.region} offers {offered} ({SOURCES['zones_per_region']})")
        )
    if not spec.aws.grant_deployer_admin and not spec.cluster.admins:
        found.append(
            (("aws", "grantDeployerAdmin"), "with grantDeployerAdmin false, cluster.admins must name at least one principal: "
             "nobody could administer the cluster or apply its Kubernetes objects")
        )
    found += _admin_entries(spec)
    pinned = ADDON_VERSIONS.get(spec.cluster.version, {})
    needed = ("vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver", "aws-efs-csi-driver")
    missing = [a for a in needed if a not in pinned and a not in spec.aws.addon_versions]
    if missing:
        found.append(
            (("cluster", "version"), f"no pinned EKS add-on versions for Kubernetes {spec.cluster.version} (known: "
             f"{', '.join(sorted(ADDON_VERSIONS))}); pin {', '.join(missing)} in aws.addonVersions")
        )
    for key, db in sorted(spec.postgres.items()):
        if db.engine == "aurora" and db.version not in AURORA_VERSIONS:
            found.append(
                (("postgres", key, "version"), f"Aurora PostgreSQL {db.version} is not supported; use one of {', '.join(AURORA_VERSIONS)}")
            )
    return found


def _admin_entries(spec) -> list[Problem]:
    """Each admin gets an access entry named after its ARN's last segment: two ARNs ending alike, or one
    ending in `deployer` beside the deployer's own entry, would register the same resource twice."""
    taken = {names.DEPLOYER_ADMIN: "the deployer's access entry (aws.grantDeployerAdmin)"} if spec.aws.grant_deployer_admin else {}
    found: list[Problem] = []
    for index, arn in enumerate(spec.cluster.admins):
        key = names.principal_key(arn)
        if key in taken:
            found.append((("cluster", "admins", index), f"{arn!r} ends in {key!r} like {taken[key]}: access entries are named after that"))
        taken.setdefault(key, repr(arn))
    return found


LIMITS = CloudLimits(
    cloud="AWS",
    sources=SOURCES,
    name_rules=NAME_RULES,
    physical_names=names.physical_names,
    name_groups={"rds-identifier": "RDS identifiers", "s3-bucket": "S3 bucket names", "log-group": "log group names"},
    log_retention_days=frozenset(
        {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
    ),
    min_zones=2,
    max_node_pools=30,
    max_pool_size=450,
    max_taints=50,
    label_key_max=63,
    label_value_min=1,
    taint_key_max=63,
    interface_endpoints=INTERFACE_ENDPOINTS,
    # No reserved ranges: pods take VPC addresses (VPC CNI) and EKS picks a service range outside the VPC
    # (172.20.0.0/16 for a VPC in 10.0.0.0/8, else 10.100.0.0/16), so no network CIDR can collide with either.
    reserved_cidrs={},
    public_access_ip_versions=frozenset({4}),  # the backend makes IPv4 clusters
    max_public_access_cidrs=40,
    admin_principal=r"arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)/[\w+=,.@/-]{1,512}",
    admin_principal_hint="an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)",
    backup_window_min_minutes=30,
    maintenance_window_min_minutes=30,
    windows_may_overlap=False,
    extra=extra_problems,
)
