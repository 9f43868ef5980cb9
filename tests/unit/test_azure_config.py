"""Azure rules of `cloud-kernel:cloud`, reported with their key path before any resource exists."""

from __future__ import annotations

import pytest

from infra.config import ConfigError, parse

BASE = {
    "cloud-kernel:environment": "dev",
    "cloud-kernel:core": {"domain": "x.example.com", "catalog": {"enabled": False}},
}


def _cloud(**extra) -> dict:
    return {"provider": "azure", "region": "westeurope", "nodePools": {"general": {}}, **extra}


def test_a_valid_azure_config_parses() -> None:
    config = parse({**BASE, "cloud-kernel:cloud": _cloud(azure={"systemPool": {"machine": "general-small"}})}, "s.yaml")
    assert config.cloud.azure.system_pool.machine == "general-small" and config.cloud.region == "westeurope"


@pytest.mark.parametrize(
    "cloud, path, words",
    [
        (_cloud(nodePools={"system": {}}), "cloud-kernel:cloud.nodePools", "inline AKS system pool"),
        (_cloud(postgres={"db": {"engine": "aurora"}}), "cloud-kernel:cloud.postgres", "db.engine 'aurora' exists only on AWS"),
        (_cloud(postgres={"db": {"highAvailability": True}}), "cloud-kernel:cloud.postgres", "burstable"),
        (_cloud(azure={"systemPool": {"minSize": 4, "maxSize": 3}}), "cloud-kernel:cloud.azure.systemPool", "greater than"),
        (_cloud(azure={"deployerNetworkId": "not-an-id"}), "cloud-kernel:cloud.azure.deployerNetworkId", "pattern"),
    ],
)
def test_azure_mistakes_name_their_key(cloud: dict, path: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse({**BASE, "cloud-kernel:cloud": cloud}, "stacks/Pulumi.x.yaml")
    lines = caught.value.lines()
    assert any(line.startswith(f"stacks/Pulumi.x.yaml: {path}") and words in line for line in lines), lines


def test_the_system_pool_name_is_free_on_aws() -> None:
    cloud = {"provider": "aws", "region": "eu-west-1", "nodePools": {"system": {}}}
    assert "system" in parse({**BASE, "cloud-kernel:cloud": cloud}, "s.yaml").cloud.node_pools
