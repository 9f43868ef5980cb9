"""GCP types and invokes of the simulated cloud.

Every handler derives its identifiers from `ctx.digest` over the resource type and name (and the project id
the program names), so the same program yields the same ids, self links, endpoints and numbers byte for
byte. Shapes follow the GCP provider's outputs (camelCase engine names): what the backend reads (resource
ids in `projects/...` form, service-account emails and members, the cluster endpoint and CA, the Cloud SQL
private IP and connection name, bucket names, secret ids, the project number) is always present and plausible.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pulumi.runtime import MockResourceArgs

from kernelctl.plan.simulated.aws import CA_DATA
from kernelctl.plan.simulated.context import CallHandler, ResourceHandler, SimContext

Outputs = tuple[str, dict[str, Any]]
API = "https://www.googleapis.com"
COMPUTE = f"{API}/compute/v1"


def project_number(ctx: SimContext, project: str) -> str:
    """A stable 12-digit project number for a project id."""
    return str(int(ctx.digest("project-number", project, length=12), 16) % 900_000_000_000 + 100_000_000_000)


def _project(inputs: dict[str, Any]) -> str:
    return str(inputs.get("project") or "simulated-project")


def _name(args: MockResourceArgs, inputs: dict[str, Any], ctx: SimContext) -> str:
    return str(inputs.get("name") or f"{args.name}-{ctx.digest(args.typ, args.name, 'autoname', length=7)}")


def _numeric(ctx: SimContext, args: MockResourceArgs) -> str:
    return str(int(ctx.digest(args.typ, args.name, "numeric", length=15), 16))


def _etag(ctx: SimContext, args: MockResourceArgs) -> str:
    return f"BwY{ctx.digest(args.typ, args.name, 'etag', length=9)}="


def _binding(args, inputs, ctx) -> Outputs:
    scope = inputs.get("cryptoKeyId") or inputs.get("bucket") or inputs.get("serviceAccountId") or inputs.get("secretId") or _project(inputs)
    return f"{scope}/{inputs.get('role')}/{inputs.get('member')}", {"etag": _etag(ctx, args)}


def _service(args, inputs, ctx) -> Outputs:
    return f"{_project(inputs)}/{inputs.get('service')}", {}


SERVICE_AGENTS = {
    "sqladmin.googleapis.com": "gcp-sa-cloud-sql",
    "secretmanager.googleapis.com": "gcp-sa-secretmanager",
    "file.googleapis.com": "cloud-filer",
}


def _service_identity(args, inputs, ctx) -> Outputs:
    service = str(inputs.get("service", ""))
    agent = SERVICE_AGENTS.get(service, f"gcp-sa-{service.split('.')[0]}")
    email = f"service-{project_number(ctx, _project(inputs))}@{agent}.iam.gserviceaccount.com"
    return f"projects/{_project(inputs)}/services/{service}", {"email": email, "member": f"serviceAccount:{email}"}


def _key_ring(args, inputs, ctx) -> Outputs:
    return f"projects/{_project(inputs)}/locations/{inputs.get('location')}/keyRings/{_name(args, inputs, ctx)}", {}


def _crypto_key(args, inputs, ctx) -> Outputs:
    rid = f"{inputs.get('keyRing')}/cryptoKeys/{_name(args, inputs, ctx)}"
    return rid, {"primaries": [{"name": f"{rid}/cryptoKeyVersions/1", "state": "ENABLED"}], "effectiveLabels": inputs.get("labels") or {}}


def _network(args, inputs, ctx) -> Outputs:
    name = _name(args, inputs, ctx)
    rid = f"projects/{_project(inputs)}/global/networks/{name}"
    return rid, {"name": name, "selfLink": f"{COMPUTE}/{rid}", "numericId": _numeric(ctx, args), "gatewayIpv4": ""}


def _subnetwork(args, inputs, ctx) -> Outputs:
    name = _name(args, inputs, ctx)
    rid = f"projects/{_project(inputs)}/regions/{inputs.get('region') or ctx.region}/subnetworks/{name}"
    cidr = ipaddress.ip_network(str(inputs.get("ipCidrRange") or "10.0.0.0/20"))
    return rid, {"name": name, "selfLink": f"{COMPUTE}/{rid}", "gatewayAddress": str(cidr.network_address + 1), "subnetworkId": int(_numeric(ctx, args)) % 10**9}


def _regional(kind: str) -> ResourceHandler:
    def handler(args: MockResourceArgs, inputs: dict[str, Any], ctx: SimContext) -> Outputs:
        name = _name(args, inputs, ctx)
        rid = f"projects/{_project(inputs)}/regions/{inputs.get('region') or ctx.region}/{kind}/{name}"
        return rid, {"name": name, "selfLink": f"{COMPUTE}/{rid}"}

    return handler


def _router_nat(args, inputs, ctx) -> Outputs:
    name = _name(args, inputs, ctx)
    return f"{_project(inputs)}/{inputs.get('region') or ctx.region}/{inputs.get('router')}/{name}", {"name": name}


def _global_address(args, inputs, ctx) -> Outputs:
    name = _name(args, inputs, ctx)
    rid = f"projects/{_project(inputs)}/global/addresses/{name}"
    return rid, {"name": name, "selfLink": f"{COMPUTE}/{rid}", "creationTimestamp": "2025-01-01T00:00:00.000-08:00"}


def _service_connection(args, inputs, ctx) -> Outputs:
    network = str(inputs.get("network", ""))
    return f"{network}:{inputs.get('service')}", {"peering": "servicenetworking-googleapis-com"}


def _account(args, inputs, ctx) -> Outputs:
    project = _project(inputs)
    email = f"{inputs.get('accountId')}@{project}.iam.gserviceaccount.com"
    rid = f"projects/{project}/serviceAccounts/{email}"
    return rid, {"email": email, "name": rid, "member": f"serviceAccount:{email}", "uniqueId": str(int(_numeric(ctx, args)) % 10**21)}


def _octets(ctx: SimContext, args: MockResourceArgs, salt: str) -> tuple[int, int]:
    value = int(ctx.digest(args.typ, args.name, salt, length=4), 16)
    return value // 256 % 254 + 1, value % 254 + 1


def _cluster(args, inputs, ctx) -> Outputs:
    name = _name(args, inputs, ctx)
    project, location = _project(inputs), inputs.get("location") or ctx.region
    private = (inputs.get("privateClusterConfig") or {}).get("enablePrivateEndpoint") in (True, "true")
    a, b = _octets(ctx, args, "endpoint")
    private_ip, public_ip = f"172.16.{a}.{b}", f"34.{a}.{b}.{(a + b) % 254 + 1}"
    rid = f"projects/{project}/locations/{location}/clusters/{name}"
    return rid, {
        "name": name,
        "endpoint": private_ip if private else public_ip,
        "selfLink": f"{API}/container/v1/{rid}",
        "masterVersion": f"{inputs.get('minMasterVersion', '1.33')}.5-gke.1000000",
        "masterAuth": {**(inputs.get("masterAuth") or {}), "clusterCaCertificate": CA_DATA},
        "privateClusterConfig": {
            **(inputs.get("privateClusterConfig") or {}),
            "privateEndpoint": private_ip,
            "publicEndpoint": "" if private else public_ip,
        },
        "labelFingerprint": ctx.digest(args.typ, args.name, "fingerprint", length=8),
    }


def _node_pool(args, inputs, ctx) -> Outputs:
    name = _name(args, inputs, ctx)
    zones = inputs.get("nodeLocations") or [f"{ctx.region}-b"]
    groups = [
        f"{COMPUTE}/projects/{_project(inputs)}/zones/{zone}/instanceGroupManagers/gke-{name}-{ctx.digest(args.name, zone, length=8)}-grp"
        for zone in zones
    ]
    return f"{inputs.get('cluster')}/nodePools/{name}", {"name": name, "instanceGroupUrls": groups, "managedInstanceGroupUrls": groups, "version": "1.33.5-gke.1000000"}


def _bucket(args, inputs, ctx) -> Outputs:
    name = _name(args, inputs, ctx)
    return name, {"name": name, "url": f"gs://{name}", "selfLink": f"{API}/storage/v1/b/{name}", "projectNumber": project_number(ctx, _project(inputs))}


def _database_instance(args, inputs, ctx) -> Outputs:
    name, project = _name(args, inputs, ctx), _project(inputs)
    a, b = _octets(ctx, args, "ip")
    ip = f"10.{a % 64 + 192}.{b}.3"
    return name, {
        "name": name,
        "connectionName": f"{project}:{inputs.get('region') or ctx.region}:{name}",
        "privateIpAddress": ip,
        "ipAddresses": [{"ipAddress": ip, "type": "PRIVATE"}],
        "publicIpAddress": "",
        "selfLink": f"{API}/sql/v1beta4/projects/{project}/instances/{name}",
        "serviceAccountEmailAddress": f"p{project_number(ctx, project)}-{ctx.digest(args.name, length=6)}@gcp-sa-cloud-sql.iam.gserviceaccount.com",
        "firstIpAddress": ip,
    }


def _sql_user(args, inputs, ctx) -> Outputs:
    return f"{inputs.get('name')}//{inputs.get('instance')}", {}


def _secret(args, inputs, ctx) -> Outputs:
    project = _project(inputs)
    secret_id = inputs.get("secretId")
    return f"projects/{project}/secrets/{secret_id}", {"name": f"projects/{project_number(ctx, project)}/secrets/{secret_id}"}


def _secret_version(args, inputs, ctx) -> Outputs:
    name = f"{inputs.get('secret')}/versions/1"
    return name, {"name": name, "version": "1", "createTime": "2025-01-01T00:00:00Z"}


RESOURCES: dict[str, ResourceHandler] = {
    "gcp:projects/service:Service": _service,
    "gcp:projects/serviceIdentity:ServiceIdentity": _service_identity,
    "gcp:projects/iAMMember:IAMMember": _binding,
    "gcp:kms/keyRing:KeyRing": _key_ring,
    "gcp:kms/cryptoKey:CryptoKey": _crypto_key,
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": _binding,
    "gcp:compute/network:Network": _network,
    "gcp:compute/subnetwork:Subnetwork": _subnetwork,
    "gcp:compute/router:Router": _regional("routers"),
    "gcp:compute/routerNat:RouterNat": _router_nat,
    "gcp:compute/globalAddress:GlobalAddress": _global_address,
    "gcp:servicenetworking/connection:Connection": _service_connection,
    "gcp:serviceaccount/account:Account": _account,
    "gcp:serviceaccount/iAMMember:IAMMember": _binding,
    "gcp:container/cluster:Cluster": _cluster,
    "gcp:container/nodePool:NodePool": _node_pool,
    "gcp:storage/bucket:Bucket": _bucket,
    "gcp:storage/bucketIAMMember:BucketIAMMember": _binding,
    "gcp:sql/databaseInstance:DatabaseInstance": _database_instance,
    "gcp:sql/user:User": _sql_user,
    "gcp:secretmanager/secret:Secret": _secret,
    "gcp:secretmanager/secretVersion:SecretVersion": _secret_version,
    "gcp:secretmanager/secretIamMember:SecretIamMember": _binding,
}


def _zones(args, inputs, ctx) -> dict[str, Any]:
    region = inputs.get("region") or ctx.region
    return {"id": f"projects/{inputs.get('project')}/regions/{region}", "project": inputs.get("project"), "region": region,
            "status": inputs.get("status"), "names": [f"{region}-{suffix}" for suffix in "bcd"]}


def _get_project(args, inputs, ctx) -> dict[str, Any]:
    project = str(inputs.get("projectId") or "simulated-project")
    return {"id": f"projects/{project}", "projectId": project, "number": project_number(ctx, project), "name": project,
            "labels": {}, "effectiveLabels": {}, "autoCreateNetwork": True}


def _storage_agent(args, inputs, ctx) -> dict[str, Any]:
    project = str(inputs.get("project") or "simulated-project")
    email = f"service-{project_number(ctx, project)}@gs-project-accounts.iam.gserviceaccount.com"
    return {"id": email, "project": project, "emailAddress": email, "member": f"serviceAccount:{email}"}


CALLS: dict[str, CallHandler] = {
    "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": _storage_agent,
    "gcp:compute/getZones:getZones": _zones,
    "gcp:organizations/getProject:getProject": _get_project,
}
