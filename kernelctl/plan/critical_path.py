"""Estimated `pulumi up` time of a plan: the longest chain of its dependency graph, weighted by per-type priors.

The engine creates a resource once everything it depends on exists (its `dependencies`, and its provider);
a dependency on a component means every custom resource under it. Components themselves cost nothing. So the
deploy takes as long as the heaviest chain, and that chain is what to shorten.

The *irreducible chain* is the same computation with every in-cluster resource waiting only for the cloud
kernel (edges from core-kernel and user-space resources dropped): what no ordering between core services can
beat. `estimate / irreducible` says how much ordering costs.

PRIORS: typical creation times, in seconds, from public figures. They are priors, not measurements of this
stack; change a row when a better public figure exists, and cite it.

| type (prefix)                          | s    | source                                                              |
|----------------------------------------|------|---------------------------------------------------------------------|
| aws:eks/cluster:Cluster                | 600  | Amazon EKS User Guide, "Create a cluster": control plane ~10 min    |
| aws:eks/nodeGroup:NodeGroup            | 180  | EKS managed node groups: ~3 min for nodes to join (public reports) |
| aws:eks/addon:Addon                    | 60   | EKS add-ons (CoreDNS, VPC CNI): ~1 min once nodes are Ready         |
| aws:ec2/natGateway:NatGateway          | 100  | Amazon VPC User Guide, NAT gateways: "pending" for 1-2 min          |
| aws:rds/instance:Instance              | 600  | Amazon RDS User Guide, "Creating a DB instance": ~10 min (Multi-AZ)|
| aws:rds/cluster:Cluster                | 120  | Amazon Aurora User Guide: the cluster (storage) before instances    |
| aws:rds/clusterInstance:ClusterInstance| 600  | Amazon Aurora User Guide, "Creating a DB cluster": ~10 min          |
| aws:ec2/vpcEndpoint:VpcEndpoint        | 60   | AWS PrivateLink interface endpoints: ~1 min to "available"          |
| aws:efs/mountTarget:MountTarget        | 90   | Amazon EFS User Guide, mount targets: ~1.5 min to "available"       |
| aws:kms/key:Key                        | 5    | AWS KMS API CreateKey: synchronous                                  |
| gcp:container/cluster:Cluster          | 420  | GKE docs, "Creating a zonal/regional cluster": 5-10 min             |
| gcp:container/nodePool:NodePool        | 180  | GKE node pools: ~3 min                                              |
| gcp:sql/databaseInstance:DatabaseInstance | 600 | Cloud SQL docs, "Create instances": ~10 min with HA               |
| gcp:servicenetworking/connection:Connection | 60 | Private services access peering: ~1 min                         |
| gcp:compute/router:Router, gcp:compute/routerNat:RouterNat | 30 | Cloud NAT: under a minute               |
| gcp:kms/cryptoKey:CryptoKey            | 5    | Cloud KMS API: synchronous                                          |
| azure-native:containerservice:ManagedCluster | 480 | AKS quickstart, "Deploy an AKS cluster": several minutes (~8 typical)|
| azure-native:containerservice:AgentPool| 180  | AKS node pools: ~3 min                                              |
| azure-native:dbforpostgresql:Server    | 600  | Azure Database for PostgreSQL flexible server quickstart: ~10 min   |
| azure-native:network:NatGateway, azure-native:network:PrivateEndpoint | 60 | about a minute each        |
| kubernetes:helm.sh/v3:Release          | 90   | Helm `--atomic --wait`: pulls images, waits for Ready pods (~1.5 min)|
| kubernetes:* (any other object)        | 2    | one API server round trip (Pulumi awaits readiness for few kinds)   |
| aws:*, gcp:*, azure-native:* (other)   | 5    | most control-plane calls (IAM, S3, VPC, subnets) take seconds       |
| pulumi:providers:*, random:*           | 0    | local                                                               |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PRIORS: dict[str, float] = {
    "aws:eks/cluster:Cluster": 600,
    "aws:eks/nodeGroup:NodeGroup": 180,
    "aws:eks/addon:Addon": 60,
    "aws:ec2/natGateway:NatGateway": 100,
    "aws:rds/instance:Instance": 600,
    "aws:rds/cluster:Cluster": 120,
    "aws:rds/clusterInstance:ClusterInstance": 600,
    "aws:ec2/vpcEndpoint:VpcEndpoint": 60,
    "aws:efs/mountTarget:MountTarget": 90,
    "aws:kms/key:Key": 5,
    "gcp:container/cluster:Cluster": 420,
    "gcp:container/nodePool:NodePool": 180,
    "gcp:sql/databaseInstance:DatabaseInstance": 600,
    "gcp:servicenetworking/connection:Connection": 60,
    "gcp:compute/router:Router": 30,
    "gcp:compute/routerNat:RouterNat": 30,
    "gcp:kms/cryptoKey:CryptoKey": 5,
    "azure-native:containerservice:ManagedCluster": 480,
    "azure-native:containerservice:AgentPool": 180,
    "azure-native:dbforpostgresql:Server": 600,
    "azure-native:network:NatGateway": 60,
    "azure-native:network:PrivateEndpoint": 60,
    "kubernetes:helm.sh/v3:Release": 90,
}
PACKAGE_DEFAULTS: dict[str, float] = {"kubernetes": 2, "aws": 5, "gcp": 5, "azure-native": 5, "pulumi": 0, "random": 0}
OTHER = 5.0
IN_CLUSTER_LAYERS = ("core_kernel", "user_space")


def prior(type_: str) -> float:
    if type_ in PRIORS:
        return PRIORS[type_]
    return PACKAGE_DEFAULTS.get(type_.split(":", 1)[0], OTHER)


@dataclass(frozen=True)
class Step:
    urn: str
    type: str
    name: str
    seconds: float
    finish: float


@dataclass(frozen=True)
class Estimate:
    seconds: float
    path: list[Step]
    irreducible_seconds: float
    irreducible_path: list[Step]

    @property
    def ratio(self) -> float:
        return self.seconds / self.irreducible_seconds if self.irreducible_seconds else 1.0


def estimate(resources: list[dict[str, Any]]) -> Estimate:
    """The estimated deploy time of plan entries (`PlanResult.resources`) and its critical path, with the
    irreducible chain beside it."""
    graph = _waits_for(resources)
    by_urn = {r["urn"]: r for r in resources}
    full = _longest(graph, by_urn)
    cloud_only = {
        urn: [d for d in deps if by_urn[d]["layer"] not in IN_CLUSTER_LAYERS] if by_urn[urn]["layer"] in IN_CLUSTER_LAYERS else deps
        for urn, deps in graph.items()
    }
    floor = _longest(cloud_only, by_urn)
    return Estimate(full[0], full[1], floor[0], floor[1])


def _waits_for(resources: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Custom resource -> the custom resources it waits for (components expanded to their custom descendants)."""
    children: dict[str, list[str]] = {}
    for r in resources:
        if r["parent"]:
            children.setdefault(r["parent"], []).append(r["urn"])
    custom = {r["urn"]: r["custom"] for r in resources}
    expanded: dict[str, list[str]] = {}

    def expand(urn: str) -> list[str]:
        if urn not in expanded:
            stack, found, seen = [urn], [], set()
            while stack:
                current = stack.pop()
                if current in seen or current not in custom:
                    continue
                seen.add(current)
                if custom[current]:
                    found.append(current)
                else:
                    stack.extend(children.get(current, []))
            expanded[urn] = sorted(found)
        return expanded[urn]

    graph: dict[str, list[str]] = {}
    for r in resources:
        if not r["custom"]:
            continue
        deps = {d for dep in r["dependencies"] for d in expand(dep)}
        if r["provider"] in custom:
            deps.add(r["provider"])
        deps.discard(r["urn"])
        graph[r["urn"]] = sorted(deps)
    return graph


def _longest(graph: dict[str, list[str]], by_urn: dict[str, dict[str, Any]]) -> tuple[float, list[Step]]:
    finish: dict[str, float] = {}
    via: dict[str, str | None] = {}
    for urn in _topological(graph):
        before = max(graph[urn], key=lambda d: (finish[d], d), default=None)
        via[urn] = before
        finish[urn] = prior(by_urn[urn]["type"]) + (finish[before] if before else 0.0)
    if not finish:
        return 0.0, []
    end: str | None = max(finish, key=lambda u: (finish[u], u))
    path: list[Step] = []
    while end is not None:
        entry = by_urn[end]
        path.append(Step(end, entry["type"], entry["name"], prior(entry["type"]), finish[end]))
        end = via[end]
    path.reverse()
    return path[-1].finish, path


def _topological(graph: dict[str, list[str]]) -> list[str]:
    order: list[str] = []
    state: dict[str, int] = {}
    for root in sorted(graph):
        stack = [(root, iter(graph[root]))]
        if state.get(root):
            continue
        state[root] = 1
        while stack:
            node, deps = stack[-1]
            dep = next(deps, None)
            if dep is None:
                stack.pop()
                state[node] = 2
                order.append(node)
            elif not state.get(dep):
                state[dep] = 1
                stack.append((dep, iter(graph[dep])))
    return order


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
