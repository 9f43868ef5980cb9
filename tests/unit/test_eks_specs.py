"""Spec rules that keep a real EKS deploy working: deployer networks of a private endpoint, IOPS every claim
size can have, add-on capabilities of workload identities."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cloud_kernel.specs import CloudKernelSpec, ClusterSpec, IdentityRequest, VolumeClassSpec
from core_kernel.identities import identity_requests
from core_kernel.specs import CoreKernelSpec


def test_private_access_cidrs_are_networks_never_everything():
    assert ClusterSpec(privateAccessCidrs=["10.100.0.0/22"]).private_access_cidrs == ["10.100.0.0/22"]
    with pytest.raises(ValidationError, match="not an allow-list"):
        ClusterSpec(privateAccessCidrs=["0.0.0.0/0"])
    with pytest.raises(ValidationError, match="is not a CIDR"):
        ClusterSpec(privateAccessCidrs=["10.100.0.1/22"])


@pytest.mark.parametrize(("tier", "iops"), [("fast", 16000), ("fast", 1001), ("standard", 3001)])
def test_a_fixed_iops_too_high_for_a_small_claim_is_refused(tier, iops):
    volumes = {"classes": {"data": {"tier": tier, "iops": iops, "default": True}}}
    with pytest.raises(ValidationError, match="volumes.classes.data: iops .* fails for small claims.*use iopsPerGb"):
        CloudKernelSpec.model_validate({"provider": "aws", "region": "eu-west-1", "nodePools": {"system": {}},
                                        "volumes": volumes})


def test_iops_per_gb_is_for_io2_only_and_exclusive():
    assert VolumeClassSpec(tier="fast", iopsPerGb=100).iops_per_gb == 100
    assert VolumeClassSpec(tier="fast", iops=1000).iops == 1000
    with pytest.raises(ValidationError, match="fast tier"):
        VolumeClassSpec(tier="standard", iopsPerGb=10)
    with pytest.raises(ValidationError, match="not both"):
        VolumeClassSpec(tier="fast", iops=500, iopsPerGb=10)


def test_addon_identities_ask_for_their_capability_on_aws_only():
    spec = CoreKernelSpec(domain="data.example.com")
    on_aws = {r.name: r for r in identity_requests(spec, "prod", ["lake"], cloud="aws")}
    assert on_aws["aws-load-balancer-controller"].capabilities == ["load-balancers"]
    assert on_aws["cluster-autoscaler"].capabilities == ["node-autoscaling"]
    assert on_aws["cluster-autoscaler"].namespace == "cluster-autoscaler"
    assert not [r for r in identity_requests(spec, "prod", ["lake"], cloud="gcp") if r.capabilities]
    with pytest.raises(ValidationError):
        IdentityRequest(name="x", namespace="x", service_account="x", capabilities=["administrator"])


def test_external_dns_identity_is_bound_to_the_configured_zone():
    spec = CoreKernelSpec(domain="data.example.com", gateway={"dnsZone": "Z0123456789ABC"})
    (dns,) = [r for r in identity_requests(spec, "prod", [], cloud="aws") if "dns" in r.capabilities]
    assert dns.dns_zone == "Z0123456789ABC" and (dns.namespace, dns.service_account) == ("external-dns", "external-dns")
    assert not [r for r in identity_requests(CoreKernelSpec(domain="data.example.com"), "prod", [], cloud="aws")
                if "dns" in r.capabilities]
    with pytest.raises(ValidationError, match="dns capability and dnsZone go together"):
        IdentityRequest(name="x", namespace="x", service_account="x", capabilities=["dns"])
