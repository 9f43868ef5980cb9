"""The simulated GCP cloud: GCP-shaped, deterministic outputs for what the backend reads."""

from __future__ import annotations

import re
from types import SimpleNamespace

from kernelctl.plan.simulated import gcp
from kernelctl.plan.simulated.context import SimContext

CTX = SimContext(project="cloud-kernel", stack="t", region="europe-west1")


def res(typ: str, name: str, inputs: dict, ctx: SimContext = CTX):
    return gcp.RESOURCES[typ](SimpleNamespace(typ=typ, name=name, inputs=inputs, custom=True), inputs, ctx)


def call(token: str, inputs: dict):
    return gcp.CALLS[token](SimpleNamespace(token=token, args=inputs), inputs, CTX)


def test_project_numbers_are_stable_twelve_digits_per_project() -> None:
    number = call("gcp:organizations/getProject:getProject", {"projectId": "p-1"})["number"]
    assert re.fullmatch(r"[1-9]\d{11}", number)
    assert call("gcp:organizations/getProject:getProject", {"projectId": "p-1"})["number"] == number
    assert call("gcp:organizations/getProject:getProject", {"projectId": "p-2"})["number"] != number
    agent = call("gcp:storage/getProjectServiceAccount:getProjectServiceAccount", {"project": "p-1"})
    assert agent["member"] == f"serviceAccount:service-{number}@gs-project-accounts.iam.gserviceaccount.com"


def test_resource_ids_are_gcp_resource_names() -> None:
    rid, network = res("gcp:compute/network:Network", "vpc", {"name": "net", "project": "p"})
    assert rid == "projects/p/global/networks/net"
    assert network["selfLink"] == "https://www.googleapis.com/compute/v1/projects/p/global/networks/net"
    rid, _ = res("gcp:kms/cryptoKey:CryptoKey", "k", {"name": "cluster", "keyRing": "projects/p/locations/r/keyRings/ring"})
    assert rid == "projects/p/locations/r/keyRings/ring/cryptoKeys/cluster"
    _, account = res("gcp:serviceaccount/account:Account", "sa", {"accountId": "gke-x", "project": "p"})
    assert account["email"] == "gke-x@p.iam.gserviceaccount.com" and account["member"] == "serviceAccount:gke-x@p.iam.gserviceaccount.com"
    assert res("gcp:serviceaccount/account:Account", "sa", {"accountId": "gke-x", "project": "p"})[1] == account


def test_cluster_endpoint_follows_the_private_endpoint_setting() -> None:
    inputs = {"name": "c", "project": "p", "location": "europe-west1", "minMasterVersion": "1.33"}
    _, public = res("gcp:container/cluster:Cluster", "gke", {**inputs, "privateClusterConfig": {"enablePrivateEndpoint": False}})
    _, private = res("gcp:container/cluster:Cluster", "gke", {**inputs, "privateClusterConfig": {"enablePrivateEndpoint": True}})
    assert private["endpoint"] == private["privateClusterConfig"]["privateEndpoint"] and private["endpoint"].startswith("172.16.")
    assert public["endpoint"] != public["privateClusterConfig"]["privateEndpoint"]
    assert public["masterAuth"]["clusterCaCertificate"] and public["masterVersion"].startswith("1.33.")


def test_cloud_sql_has_a_private_ip_and_a_connection_name() -> None:
    name, db = res("gcp:sql/databaseInstance:DatabaseInstance", "db", {"name": "ck-db", "project": "p", "region": "europe-west1"})
    assert name == "ck-db" and db["connectionName"] == "p:europe-west1:ck-db"
    assert db["privateIpAddress"].startswith("10.") and db["publicIpAddress"] == ""
