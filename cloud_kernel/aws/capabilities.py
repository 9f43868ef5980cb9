"""IAM statements of the cluster add-on duties an `IdentityRequest.capabilities` entry asks for.

Least privilege, for this cluster only:
- reads (`Describe*`) cannot be scoped by resource in IAM, so they stay on `*`;
- every write names this cluster's tag: the AWS Load Balancer Controller creates load balancers, target groups
  and security groups only with `elbv2.k8s.aws/cluster=<cluster>` and changes or deletes only those; it opens
  the cluster security group (`kubernetes.io/cluster/<cluster>=owned`) to its NLBs; the cluster autoscaler
  resizes only the Auto Scaling groups EKS tags `k8s.io/cluster-autoscaler/<cluster>=owned` (this cluster's
  managed node groups) and reads their node groups' labels and taints (scale from zero).
external-dns changes the records of the one hosted zone it is given. WAF, Shield and ACM are left out: the
platform gateway is an NLB that passes TLS through to Envoy.
"""

from __future__ import annotations

from typing import Any

from cloud_kernel.aws.providers import AwsEnv

LB_TAG = "elbv2.k8s.aws/cluster"

LB_READ = [
    "ec2:DescribeAccountAttributes",
    "ec2:DescribeAddresses",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeTags",
    "ec2:DescribeRouteTables",
    "ec2:DescribeCoipPools",
    "ec2:GetCoipPoolUsage",
    "ec2:DescribeIpamPools",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeListenerAttributes",
    "elasticloadbalancing:DescribeListenerCertificates",
    "elasticloadbalancing:DescribeSSLPolicies",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTrustStores",
    "elasticloadbalancing:DescribeCapacityReservation",
]
LB_MANAGE_OWN = [
    "elasticloadbalancing:ModifyLoadBalancerAttributes",
    "elasticloadbalancing:SetIpAddressType",
    "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets",
    "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:RegisterTargets",
    "elasticloadbalancing:DeregisterTargets",
    "elasticloadbalancing:ModifyCapacityReservation",
    "elasticloadbalancing:ModifyIpPools",
    "elasticloadbalancing:AddTags",
    "elasticloadbalancing:RemoveTags",
]
LB_LISTENERS = [
    "elasticloadbalancing:CreateListener",
    "elasticloadbalancing:DeleteListener",
    "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:ModifyListenerAttributes",
    "elasticloadbalancing:CreateRule",
    "elasticloadbalancing:DeleteRule",
    "elasticloadbalancing:ModifyRule",
]
AUTOSCALER_READ = [
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
]


def _tagged(variable: str, value: str) -> list[dict[str, Any]]:
    return [{"test": "StringEquals", "variable": variable, "values": [value]}]


def load_balancer_statements(env: AwsEnv) -> list[dict[str, Any]]:
    """The AWS Load Balancer Controller, limited to the load balancers and security groups of this cluster."""
    cluster = env.cluster_name
    own = _tagged(f"aws:ResourceTag/{LB_TAG}", cluster)
    balancers = [
        env.arn("elasticloadbalancing", "loadbalancer/net/*/*"),
        env.arn("elasticloadbalancing", "loadbalancer/app/*/*"),
        env.arn("elasticloadbalancing", "targetgroup/*/*"),
    ]
    security_groups = [env.arn("ec2", "security-group/*")]
    return [
        {
            "sid": "LoadBalancerServiceLinkedRole",
            "effect": "Allow",
            "actions": ["iam:CreateServiceLinkedRole"],
            "resources": ["*"],
            "conditions": _tagged("iam:AWSServiceName", "elasticloadbalancing.amazonaws.com"),
        },
        {"sid": "LoadBalancerRead", "effect": "Allow", "actions": LB_READ, "resources": ["*"]},
        {
            "sid": "CreateOwnLoadBalancers",
            "effect": "Allow",
            "actions": ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:AddTags"],
            "resources": balancers,
            "conditions": _tagged(f"aws:RequestTag/{LB_TAG}", cluster),
        },
        {"sid": "ManageOwnLoadBalancers", "effect": "Allow", "actions": LB_MANAGE_OWN, "resources": balancers, "conditions": own},
        {
            "sid": "ListenersOfOwnLoadBalancers",
            "effect": "Allow",
            "actions": LB_LISTENERS,
            "resources": [
                env.arn("elasticloadbalancing", "listener/net/*/*/*"),
                env.arn("elasticloadbalancing", "listener/app/*/*/*"),
                env.arn("elasticloadbalancing", "listener-rule/net/*/*/*/*"),
                env.arn("elasticloadbalancing", "listener-rule/app/*/*/*/*"),
                *balancers[:2],
            ],
        },
        {
            "sid": "CreateOwnSecurityGroups",
            "effect": "Allow",
            "actions": ["ec2:CreateSecurityGroup", "ec2:CreateTags"],
            "resources": [*security_groups, env.arn("ec2", "vpc/*")],
            "conditions": _tagged(f"aws:RequestTag/{LB_TAG}", cluster),
        },
        {
            "sid": "ManageOwnSecurityGroups",
            "effect": "Allow",
            "actions": ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup",
                        "ec2:CreateTags", "ec2:DeleteTags"],
            "resources": security_groups,
            "conditions": own,
        },
        {
            "sid": "OpenClusterSecurityGroupToLoadBalancers",
            "effect": "Allow",
            "actions": ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
            "resources": security_groups,
            "conditions": _tagged(f"aws:ResourceTag/kubernetes.io/cluster/{cluster}", "owned"),
        },
    ]


def node_autoscaling_statements(env: AwsEnv) -> list[dict[str, Any]]:
    """The cluster autoscaler, limited to the Auto Scaling groups of this cluster's managed node groups."""
    cluster = env.cluster_name
    return [
        {"sid": "AutoscalerRead", "effect": "Allow", "actions": AUTOSCALER_READ, "resources": ["*"]},
        {
            "sid": "AutoscalerNodeGroups",
            "effect": "Allow",
            "actions": ["eks:DescribeNodegroup"],
            "resources": [env.arn("eks", f"nodegroup/{cluster}/*/*")],
        },
        {
            "sid": "AutoscalerResizeOwnGroups",
            "effect": "Allow",
            "actions": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            "resources": ["*"],
            "conditions": _tagged(f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster}", "owned"),
        },
    ]


def dns_statements(env: AwsEnv, zone: str) -> list[dict[str, Any]]:
    """external-dns, limited to the records of one Route 53 hosted zone."""
    hosted_zone = env.partition.apply(lambda p: f"arn:{p}:route53:::hostedzone/{zone}")
    return [
        {
            "sid": "DnsRecordsOfTheZone",
            "effect": "Allow",
            "actions": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResource"],
            "resources": [hosted_zone],
        },
        {"sid": "DnsChanges", "effect": "Allow", "actions": ["route53:GetChange"],
         "resources": [env.partition.apply(lambda p: f"arn:{p}:route53:::change/*")]},
        {"sid": "DnsZonesRead", "effect": "Allow", "actions": ["route53:ListHostedZones", "route53:ListTagsForResources"],
         "resources": ["*"]},
    ]


CAPABILITIES = {"load-balancers": load_balancer_statements, "node-autoscaling": node_autoscaling_statements}


def capability_statements(env: AwsEnv, capabilities: list[str], dns_zone: str = "") -> list[dict[str, Any]]:
    statements = [statement for name in sorted(capabilities) if name in CAPABILITIES for statement in CAPABILITIES[name](env)]
    return statements + (dns_statements(env, dns_zone) if "dns" in capabilities else [])
