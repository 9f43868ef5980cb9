"""Component tests of the GCP backend on the simulated cloud: exact child types and the inputs that carry the
secure defaults, per component. Two scenarios, each run once per module: a dev-like kernel (one zone, public
endpoint with an allow-list, zonal Cloud SQL, spot batch pool) and a prod kernel (three zones, private
endpoint with deployer networks, GPU pool, fast + shared volumes, two HA databases, two buckets)."""

from __future__ import annotations

import json
from collections import Counter

import pulumi
import pytest

from cloud_kernel.cidr import plan_ranges
from cloud_kernel.gcp.backend import GcpCloudKernel
from cloud_kernel.specs import CloudKernelSpec, IdentityRequest
from kernelctl.plan.simulated.gcp import project_number
from tests.support.kernel_run import PROJECT, KernelRun
KEY_RING = "projects/{p}/locations/{r}/keyRings/cloud-kernel-{s}"

DEV = {
    "provider": "gcp",
    "region": "europe-west1",
    "network": {"cidr": "10.30.0.0/16", "zones": 1, "nat": "single"},
    "cluster": {"version": "1.33", "publicEndpoint": True, "publicAccessCidrs": ["203.0.113.0/24"]},
    "nodePools": {
        "system": {"machine": "general-medium", "minSize": 2, "maxSize": 3},
        "batch": {
            "machine": "compute-large", "spot": True, "minSize": 0, "maxSize": 5,
            "taints": [{"key": "cloud-kernel.io/batch", "value": "true", "effect": "NoSchedule"}],
        },
    },
    "lakehouse": {"lake": {"noncurrentVersionDays": 7}},
    "postgres": {"platform": {"storageGb": 20, "maxStorageGb": 100, "deletionProtection": False}},
    "gcp": {"project": "ck-dev-project"},
}
PROD = {
    "provider": "gcp",
    "region": "europe-west3",
    "network": {"cidr": "10.50.0.0/16", "zones": 3, "nat": "perZone"},
    "cluster": {"version": "1.33"},
    "nodePools": {
        "system": {"machine": "general-large", "minSize": 3, "maxSize": 6},
        "gpu": {
            "machine": "general-xlarge", "gpu": {"class": "nvidia-l4"}, "minSize": 0, "maxSize": 4,
            "taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}],
        },
    },
    "volumes": {"classes": {"standard": {"default": True}, "fast": {"tier": "fast"}, "shared": {"tier": "shared"}}},
    "lakehouse": {"lake": {"archiveAfterDays": 180}, "raw": {}},
    "postgres": {
        "platform": {"size": "large", "highAvailability": True, "backupRetentionDays": 14},
        "analytics": {"size": "xlarge", "highAvailability": True, "backupRetentionDays": 30, "maintenanceWindow": "sat:22:00-sat:23:00"},
    },
    "gcp": {"project": "ck-prod-project", "deployerCidrs": ["10.250.0.0/24"], "releaseChannel": "STABLE"},
}
IDENTITIES = [
    IdentityRequest(name="catalog", namespace="core", service_account="iceberg-catalog", buckets={"lake": "readwrite"}, prefix="warehouse"),
    IdentityRequest(name="reader", namespace="ws-sales", service_account="reader", buckets={"lake": "read"}),
    IdentityRequest(
        name="external-secrets", namespace="core", service_account="external-secrets", secrets_read=True,
        secrets_prefix="cloud-kernel/dev/", database_admin_secrets=True,
    ),
]


class Run(KernelRun):
    cloud = "gcp"

    def __init__(self, spec: dict, environment: str, stack: str):
        self.spec = CloudKernelSpec.model_validate(spec)
        self.stack = stack
        captured = {}

        def program() -> None:
            kernel = GcpCloudKernel("cloud", self.spec, environment=environment, identities=IDENTITIES)
            captured["contract"] = kernel.contract
            for key, value in kernel.contract.exports().items():
                pulumi.export(key, value)
            pulumi.export("identityAnnotations", {k: v.annotations for k, v in kernel.contract.identities.items()})
            pulumi.export("adminSecrets", {k: v.admin_secret_ref for k, v in kernel.contract.postgres.items()})
            pulumi.export("secretStore", kernel.contract.secret_store.provider)
            pulumi.export("clusterReady", [r.urn for r in kernel.contract.cluster_ready])

        self.record(program, stack=stack, region=self.spec.region)
        self.contract = captured["contract"]

    @property
    def project(self) -> str:
        return self.spec.gcp.project or ""

    @property
    def number(self) -> str:
        return project_number(self.sim, self.project)

    def key(self, purpose: str) -> str:
        return KEY_RING.format(p=self.project, r=self.spec.region, s=self.stack) + f"/cryptoKeys/{purpose}"



@pytest.fixture(scope="module")
def dev() -> Run:
    return Run(DEV, "dev", "dev-gcp")


@pytest.fixture(scope="module")
def prod() -> Run:
    return Run(PROD, "prod", "prod-gcp")


# ----- root ----------------------------------------------------------------------------------------------------
def test_root_owns_every_component_the_providers_and_the_project_services(dev: Run) -> None:
    assert dev.children("CloudKernel", "cloud") == Counter(
        {
            "pulumi:providers:gcp": 1,
            "pulumi:providers:kubernetes": 1,
            "pulumi:providers:random": 1,
            "gcp:projects/service:Service": 12,
            "cloud-kernel:gcp:Keys": 1,
            "cloud-kernel:gcp:Network": 1,
            "cloud-kernel:gcp:Cluster": 1,
            "cloud-kernel:gcp:NodePool": 2,
            "cloud-kernel:gcp:Volumes": 1,
            "cloud-kernel:gcp:AccessLogBucket": 1,
            "cloud-kernel:gcp:LakehouseBucket": 1,
            "cloud-kernel:gcp:Postgres": 1,
            "cloud-kernel:gcp:WorkloadIdentity": 3,
        }
    )


def test_project_services_stay_enabled_on_destroy(dev: Run) -> None:
    services = {s.inputs["service"]: s.inputs for s in dev.all("gcp:projects/service:Service")}
    for api in ("container", "sqladmin", "servicenetworking", "cloudkms", "secretmanager", "iam"):
        inputs = services[f"{api}.googleapis.com"]
        assert inputs["project"] == "ck-dev-project"
        assert inputs["disableOnDestroy"] is False and inputs["disableDependentServices"] is False


def test_provider_names_project_region_and_labels_and_every_resource_uses_it(dev: Run) -> None:
    provider = dev.one("pulumi:providers:gcp", "cloud-gcp")
    assert provider.inputs["project"] == "ck-dev-project" and provider.inputs["region"] == "europe-west1"
    labels = provider.inputs["defaultLabels"]
    assert (json.loads(labels) if isinstance(labels, str) else labels) == {
        "environment": "dev", "stack": "dev-gcp", "project": PROJECT, "layer": "cloud-kernel", "managed-by": "cloud-kernel"
    }
    gcp_resources = [r for r in dev.regs.values() if r.custom and r.type.startswith("gcp:")]
    assert gcp_resources and all(r.provider == provider.urn for r in gcp_resources)
    k8s = dev.one("pulumi:providers:kubernetes", "cloud-kubernetes").urn
    assert all(r.provider == k8s for r in dev.regs.values() if r.type.startswith("kubernetes:"))


def test_kubeconfig_uses_the_gke_auth_plugin_and_stays_secret(dev: Run) -> None:
    provider = dev.one("pulumi:providers:kubernetes", "cloud-kubernetes")
    assert provider.inputs["clusterIdentifier"] == "cloud-kernel-dev-gcp"
    assert "kubeconfig" in provider.secret_paths
    assert dev.outputs["kubeconfig"] == "[secret]"


# ----- keys ----------------------------------------------------------------------------------------------------
def test_keys_one_rotating_key_per_purpose_with_agents_granted(dev: Run, prod: Run) -> None:
    assert dev.children("Keys", "cloud-keys") == Counter(
        {
            "gcp:kms/keyRing:KeyRing": 1,
            "gcp:kms/cryptoKey:CryptoKey": 4,
            "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": 7,
            "gcp:projects/serviceIdentity:ServiceIdentity": 3,
        }
    )
    for run, protected in ((dev, False), (prod, True)):
        for key in run.all("gcp:kms/cryptoKey:CryptoKey"):
            assert key.inputs["rotationPeriod"] == "7776000s"  # 90 days
            assert key.inputs["purpose"] == "ENCRYPT_DECRYPT"
            assert key.protect is protected
    n = dev.number
    grants = {(g.inputs["cryptoKeyId"].rsplit("/", 1)[-1], g.inputs["member"]) for g in dev.all("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")}
    assert grants == {
        ("cluster", f"serviceAccount:service-{n}@container-engine-robot.iam.gserviceaccount.com"),
        ("volumes", f"serviceAccount:service-{n}@compute-system.iam.gserviceaccount.com"),
        ("volumes", f"serviceAccount:service-{n}@container-engine-robot.iam.gserviceaccount.com"),
        ("volumes", f"serviceAccount:service-{n}@cloud-filer.iam.gserviceaccount.com"),
        ("lakehouse", f"serviceAccount:service-{n}@gs-project-accounts.iam.gserviceaccount.com"),
        ("databases", f"serviceAccount:service-{n}@gcp-sa-cloud-sql.iam.gserviceaccount.com"),
        ("databases", f"serviceAccount:service-{n}@gcp-sa-secretmanager.iam.gserviceaccount.com"),
    }
    assert all(g.inputs["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter" for g in dev.all("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"))


# ----- network -------------------------------------------------------------------------------------------------
def test_network_children_and_custom_mode(dev: Run) -> None:
    assert dev.children("Network", "cloud-network") == Counter(
        {
            "gcp:compute/network:Network": 1,
            "gcp:compute/subnetwork:Subnetwork": 1,
            "gcp:compute/router:Router": 1,
            "gcp:compute/routerNat:RouterNat": 1,
            "gcp:compute/globalAddress:GlobalAddress": 1,
            "gcp:servicenetworking/connection:Connection": 1,
        }
    )
    vpc = dev.one("gcp:compute/network:Network", "cloud-network-vpc").inputs
    assert vpc["autoCreateSubnetworks"] is False and vpc["routingMode"] == "REGIONAL"
    assert not dev.all("gcp:compute/firewall:Firewall")


def test_subnet_ranges_follow_the_planner_with_private_google_access_and_flow_logs(prod: Run) -> None:
    ranges = plan_ranges("10.50.0.0/16", {"nodes": 19, "pods": 17, "services": 22, "private-services": 20})
    subnet = prod.one("gcp:compute/subnetwork:Subnetwork", "cloud-network-nodes").inputs
    assert subnet["ipCidrRange"] == ranges["nodes"]
    assert subnet["secondaryIpRanges"] == [
        {"rangeName": "pods", "ipCidrRange": ranges["pods"]},
        {"rangeName": "services", "ipCidrRange": ranges["services"]},
    ]
    assert subnet["privateIpGoogleAccess"] is True
    assert subnet["logConfig"]["aggregationInterval"] == "INTERVAL_1_MIN"
    address = prod.one("gcp:compute/globalAddress:GlobalAddress", "cloud-network-private-services").inputs
    assert f"{address['address']}/{address['prefixLength']}" == ranges["private-services"]
    assert address["purpose"] == "VPC_PEERING" and address["addressType"] == "INTERNAL"


def test_nat_covers_only_the_subnet_and_logs_errors(dev: Run) -> None:
    nat = dev.one("gcp:compute/routerNat:RouterNat", "cloud-network-nat").inputs
    assert nat["sourceSubnetworkIpRangesToNat"] == "LIST_OF_SUBNETWORKS"
    assert nat["subnetworks"] == [
        {"name": "projects/ck-dev-project/regions/europe-west1/subnetworks/cloud-kernel-dev-gcp-nodes", "sourceIpRangesToNats": ["ALL_IP_RANGES"]}
    ]
    assert nat["logConfig"] == {"enable": True, "filter": "ERRORS_ONLY"}


def test_private_service_peering_is_abandoned_not_deleted(dev: Run) -> None:
    connection = dev.one("gcp:servicenetworking/connection:Connection", "cloud-network-private-services").inputs
    assert connection["service"] == "servicenetworking.googleapis.com"
    assert connection["deletionPolicy"] == "ABANDON"
    assert connection["reservedPeeringRanges"] == ["cloud-kernel-dev-gcp-private-services"]


# ----- cluster -------------------------------------------------------------------------------------------------
def cluster(run: Run) -> dict:
    return run.one("gcp:container/cluster:Cluster", "cloud-cluster-gke").inputs


def test_cluster_secure_defaults(dev: Run, prod: Run) -> None:
    for run in (dev, prod):
        c = cluster(run)
        assert c["location"] == run.spec.region and len(c["nodeLocations"]) == run.spec.network.zones
        assert c["privateClusterConfig"]["enablePrivateNodes"] is True
        assert c["workloadIdentityConfig"] == {"workloadPool": f"{run.project}.svc.id.goog"}
        assert c["databaseEncryption"] == {"state": "ENCRYPTED", "keyName": run.key("cluster")}
        assert c["datapathProvider"] == "ADVANCED_DATAPATH"
        assert c["enableShieldedNodes"] is True and c["enableLegacyAbac"] is False
        assert c["masterAuth"] == {"clientCertificateConfig": {"issueClientCertificate": False}}
        assert c["removeDefaultNodePool"] is True
        assert c["nodeConfig"]["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
        assert c["nodeConfig"]["bootDiskKmsKey"] == run.key("volumes")
        assert "compute@developer" not in c["nodeConfig"]["serviceAccount"]
        assert c["loggingConfig"]["enableComponents"] == ["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER", "WORKLOADS"]
        assert c["addonsConfig"]["gcePersistentDiskCsiDriverConfig"] == {"enabled": True}
        assert c["addonsConfig"]["networkPolicyConfig"] == {"disabled": True}
        assert c["maintenancePolicy"]["recurringWindow"]["recurrence"] == "FREQ=WEEKLY;BYDAY=SA,SU"
        assert c["masterAuthorizedNetworksConfig"]["gcpPublicCidrsAccessEnabled"] is False


def test_dev_endpoint_is_public_but_allow_listed_and_unprotected(dev: Run) -> None:
    c = cluster(dev)
    assert c["privateClusterConfig"]["enablePrivateEndpoint"] is False
    assert c["masterAuthorizedNetworksConfig"]["cidrBlocks"] == [{"cidrBlock": "203.0.113.0/24", "displayName": "public-access-1"}]
    assert c["deletionProtection"] is False and c["releaseChannel"] == {"channel": "REGULAR"}
    assert c["addonsConfig"]["gcpFilestoreCsiDriverConfig"] == {"enabled": False}
    assert dev.one("gcp:container/cluster:Cluster", "cloud-cluster-gke").protect is False


def test_prod_endpoint_is_private_reachable_from_deployer_networks_only_and_protected(prod: Run) -> None:
    c = cluster(prod)
    assert c["privateClusterConfig"]["enablePrivateEndpoint"] is True
    assert c["masterAuthorizedNetworksConfig"]["cidrBlocks"] == [{"cidrBlock": "10.250.0.0/24", "displayName": "deployer-1"}]
    assert c["masterAuthorizedNetworksConfig"]["privateEndpointEnforcementEnabled"] is True
    assert c["deletionProtection"] is True and c["releaseChannel"] == {"channel": "STABLE"}
    assert c["addonsConfig"]["gcpFilestoreCsiDriverConfig"] == {"enabled": True}
    reg = prod.one("gcp:container/cluster:Cluster", "cloud-cluster-gke")
    assert reg.protect is True
    assert {"nodeConfig", "initialNodeCount", "minMasterVersion"} <= set(reg.ignore_changes)
    assert prod.outputs["oidcIssuer"] == (
        "https://container.googleapis.com/v1/projects/ck-prod-project/locations/europe-west3/clusters/cloud-kernel-prod-gcp"
    )


def test_cluster_waits_for_its_keys_grants(prod: Run) -> None:
    deps = set(prod.one("gcp:container/cluster:Cluster", "cloud-cluster-gke").dependencies)
    grants = {g.urn for g in prod.all("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember") if "cluster-" in g.name or "volumes-" in g.name}
    assert grants and grants <= deps


# ----- node pools ----------------------------------------------------------------------------------------------
def pool(run: Run, key: str):
    return run.one("gcp:container/nodePool:NodePool", f"cloud-pool-{key}-nodes")


def test_node_pool_children(dev: Run) -> None:
    assert dev.children("NodePool", "cloud-pool-system") == Counter(
        {"gcp:container/nodePool:NodePool": 1, "gcp:serviceaccount/account:Account": 1, "gcp:projects/iAMMember:IAMMember": 2}
    )
    roles = {m.inputs["role"] for m in dev.all("gcp:projects/iAMMember:IAMMember") if m.name.startswith("cloud-pool-system")}
    assert roles == {"roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader"}


def test_node_pools_autoscale_on_total_bounds_with_hardened_nodes(dev: Run) -> None:
    system, batch = pool(dev, "system"), pool(dev, "batch")
    assert system.inputs["autoscaling"] == {"totalMinNodeCount": 2, "totalMaxNodeCount": 3, "locationPolicy": "BALANCED"}
    assert batch.inputs["autoscaling"] == {"totalMinNodeCount": 0, "totalMaxNodeCount": 5, "locationPolicy": "ANY"}
    assert system.inputs["initialNodeCount"] == 2 and batch.inputs["initialNodeCount"] == 0
    assert {"initialNodeCount", "nodeCount"} <= set(system.ignore_changes)
    config = batch.inputs["nodeConfig"]
    assert config["machineType"] == "c2d-highcpu-8" and config["spot"] is True
    assert config["taints"] == [{"key": "cloud-kernel.io/batch", "value": "true", "effect": "NO_SCHEDULE"}]
    assert config["labels"] == {"cloud-kernel.io/pool": "batch"}
    assert config["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}
    assert config["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
    assert config["bootDiskKmsKey"] == dev.key("volumes")
    assert config["serviceAccount"].startswith("gke-batch-") and config["serviceAccount"].endswith("@ck-dev-project.iam.gserviceaccount.com")
    assert batch.inputs["management"] == {"autoRepair": True, "autoUpgrade": True}
    assert batch.inputs["upgradeSettings"] == {"strategy": "SURGE", "maxSurge": 1, "maxUnavailable": 1}


def test_gpu_pool_declares_its_accelerator_with_the_driver_and_keeps_its_taint(prod: Run) -> None:
    config = pool(prod, "gpu").inputs["nodeConfig"]
    assert config["machineType"] == "g2-standard-16"
    assert config["guestAccelerators"] == [
        {"type": "nvidia-l4", "count": 1, "gpuDriverInstallationConfig": {"gpuDriverVersion": "DEFAULT"}}
    ]
    assert config["taints"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}]
    assert prod.contract.node_pools["gpu"].gpu is True
    assert pool(prod, "system").inputs["nodeLocations"] == ["europe-west3-b", "europe-west3-c", "europe-west3-d"]


# ----- volumes -------------------------------------------------------------------------------------------------
def test_storage_classes_use_gke_csi_drivers_and_the_volumes_key(dev: Run, prod: Run) -> None:
    (standard,) = dev.all("kubernetes:storage.k8s.io/v1:StorageClass")
    assert standard.inputs["provisioner"] == "pd.csi.storage.gke.io"
    assert standard.inputs["parameters"] == {"type": "pd-balanced", "disk-encryption-kms-key": dev.key("volumes"), "csi.storage.k8s.io/fstype": "ext4"}
    assert standard.inputs["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    classes = {c.inputs["metadata"]["name"]: c.inputs for c in prod.all("kubernetes:storage.k8s.io/v1:StorageClass")}
    assert classes["fast"]["parameters"]["type"] == "pd-ssd"
    assert classes["shared"]["provisioner"] == "filestore.csi.storage.gke.io"
    assert classes["shared"]["parameters"] == {
        "tier": "regional",
        "network": "cloud-kernel-prod-gcp",
        "connect-mode": "PRIVATE_SERVICE_ACCESS",
        "reserved-ip-range": "cloud-kernel-prod-gcp-private-services",
        "instance-encryption-kms-key": prod.key("volumes"),
    }
    assert all(c["volumeBindingMode"] == "WaitForFirstConsumer" for c in classes.values())
    assert prod.contract.shared_storage_class == "shared" and prod.contract.default_storage_class == "standard"


# ----- lakehouse -----------------------------------------------------------------------------------------------
def test_lakehouse_buckets_are_private_versioned_cmek_and_logged(prod: Run) -> None:
    buckets = {b.name: b for b in prod.all("gcp:storage/bucket:Bucket")}
    assert sorted(buckets) == ["cloud-access-logs-bucket", "cloud-bucket-lake-bucket", "cloud-bucket-raw-bucket"]
    log_bucket = buckets["cloud-access-logs-bucket"].inputs["name"]
    for reg in buckets.values():
        b = reg.inputs
        assert b["uniformBucketLevelAccess"] is True and b["publicAccessPrevention"] == "enforced"
        assert b["versioning"] == {"enabled": True}
        assert b["encryption"] == {"defaultKmsKeyName": prod.key("lakehouse")}
        assert b["forceDestroy"] is False and b["location"] == "EUROPE-WEST3"
        assert reg.protect is True
    lake = buckets["cloud-bucket-lake-bucket"].inputs
    assert lake["logging"] == {"logBucket": log_bucket, "logObjectPrefix": "lake/"}
    assert lake["softDeletePolicy"] == {"retentionDurationSeconds": 604800}
    assert lake["lifecycleRules"] == [
        {"action": {"type": "Delete"}, "condition": {"daysSinceNoncurrentTime": 30, "withState": "ARCHIVED"}},
        {"action": {"type": "AbortIncompleteMultipartUpload"}, "condition": {"age": 7}},
        {"action": {"type": "SetStorageClass", "storageClass": "COLDLINE"},
         "condition": {"age": 180, "withState": "LIVE", "matchesStorageClasses": ["STANDARD"]}},
    ]
    writer = prod.one("gcp:storage/bucketIAMMember:BucketIAMMember", "cloud-access-logs-log-writer").inputs
    assert writer == {"bucket": log_bucket, "role": "roles/storage.objectCreator", "member": "group:cloud-storage-analytics@google.com"}
    assert prod.contract.lakehouse["lake"].region == "europe-west3"
    assert prod.outputs["lakehouse"]["lake"]["uri"] == f"gs://{lake['name']}"


# ----- postgres ------------------------------------------------------------------------------------------------
def instance(run: Run, key: str):
    return run.one("gcp:sql/databaseInstance:DatabaseInstance", f"cloud-db-{key}-instance")


def test_postgres_children(dev: Run) -> None:
    assert dev.children("Postgres", "cloud-db-platform") == Counter(
        {
            "gcp:sql/databaseInstance:DatabaseInstance": 1,
            "gcp:sql/user:User": 1,
            "random:index/randomPassword:RandomPassword": 1,
            "gcp:secretmanager/secret:Secret": 1,
            "gcp:secretmanager/secretVersion:SecretVersion": 1,
        }
    )


def test_postgres_is_private_tls_only_cmek_with_pitr_and_iam_auth(dev: Run, prod: Run) -> None:
    for run in (dev, prod):
        db = instance(run, "platform").inputs
        s = db["settings"]
        assert db["databaseVersion"] == "POSTGRES_16" and db["encryptionKeyName"] == run.key("databases")
        assert s["ipConfiguration"]["ipv4Enabled"] is False and s["ipConfiguration"]["sslMode"] == "ENCRYPTED_ONLY"
        assert s["ipConfiguration"]["privateNetwork"].endswith(f"/global/networks/cloud-kernel-{run.stack}")
        assert s["ipConfiguration"]["allocatedIpRange"] == f"cloud-kernel-{run.stack}-private-services"
        assert "authorizedNetworks" not in s["ipConfiguration"]
        assert s["backupConfiguration"]["enabled"] is True and s["backupConfiguration"]["pointInTimeRecoveryEnabled"] is True
        assert {"name": "cloudsql.iam_authentication", "value": "on"} in s["databaseFlags"]
        assert s["insightsConfig"]["queryInsightsEnabled"] is True and s["insightsConfig"]["recordClientAddress"] is False
        assert s["diskAutoresize"] is True
    dev_db, prod_db = instance(dev, "platform"), instance(prod, "platform")
    assert dev_db.inputs["settings"]["availabilityType"] == "ZONAL" and dev_db.inputs["deletionProtection"] is False
    assert dev_db.inputs["settings"]["diskAutoresizeLimit"] == 100
    assert prod_db.inputs["settings"]["availabilityType"] == "REGIONAL" and prod_db.inputs["deletionProtection"] is True
    assert prod_db.inputs["settings"]["deletionProtectionEnabled"] is True and prod_db.protect is True
    assert prod_db.inputs["settings"]["backupConfiguration"]["backupRetentionSettings"] == {"retainedBackups": 14, "retentionUnit": "COUNT"}
    assert instance(prod, "analytics").inputs["settings"]["maintenanceWindow"] == {"day": 6, "hour": 22, "updateTrack": "stable"}
    assert "settings.diskSize" in prod_db.ignore_changes


def test_postgres_waits_for_the_peering_and_the_agents_grants(dev: Run) -> None:
    deps = set(instance(dev, "platform").dependencies)
    assert dev.one("gcp:servicenetworking/connection:Connection", "cloud-network-private-services").urn in deps
    assert dev.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "cloud-keys-databases-gcp-sa-cloud-sql").urn in deps
    secret = dev.one("gcp:secretmanager/secret:Secret", "cloud-db-platform-admin-secret")
    assert dev.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "cloud-keys-databases-gcp-sa-secretmanager").urn in secret.dependencies
    for bucket in dev.all("gcp:storage/bucket:Bucket"):
        assert dev.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "cloud-keys-lakehouse-gs-project-accounts").urn in bucket.dependencies


def test_admin_password_is_generated_secret_and_stored_in_secret_manager(dev: Run) -> None:
    user = dev.one("gcp:sql/user:User", "cloud-db-platform-admin")
    assert user.inputs["name"] == "ckadmin" and "password" in user.secret_paths
    secret = dev.one("gcp:secretmanager/secret:Secret", "cloud-db-platform-admin-secret").inputs
    replica = secret["replication"]["userManaged"]["replicas"][0]
    assert replica == {"location": "europe-west1", "customerManagedEncryption": {"kmsKeyName": dev.key("databases")}}
    version = dev.one("gcp:secretmanager/secretVersion:SecretVersion", "cloud-db-platform-admin-secret-version")
    assert "secretData" in version.secret_paths and version.inputs["secretData"] == "[secret]"
    assert dev.outputs["adminSecrets"] == {"platform": "cloud-kernel-dev-gcp-postgres-platform-admin"}
    assert dev.contract.postgres["platform"].admin_username == "ckadmin"


# ----- identities ----------------------------------------------------------------------------------------------
def members(run: Run, prefix: str, type_: str) -> dict[str, dict]:
    return {r.name: r.inputs for r in run.all(type_) if r.name.startswith(prefix)}


def test_each_identity_trusts_exactly_its_kubernetes_service_account(dev: Run) -> None:
    bindings = dev.all("gcp:serviceaccount/iAMMember:IAMMember")
    assert {b.inputs["member"] for b in bindings} == {
        "serviceAccount:ck-dev-project.svc.id.goog[core/iceberg-catalog]",
        "serviceAccount:ck-dev-project.svc.id.goog[ws-sales/reader]",
        "serviceAccount:ck-dev-project.svc.id.goog[core/external-secrets]",
    }
    assert all(b.inputs["role"] == "roles/iam.workloadIdentityUser" for b in bindings)
    annotations = dev.outputs["identityAnnotations"]
    assert set(annotations["reader"]) == {"iam.gke.io/gcp-service-account"}
    assert annotations["reader"]["iam.gke.io/gcp-service-account"].endswith("@ck-dev-project.iam.gserviceaccount.com")


def test_bucket_grants_are_limited_to_the_bucket_and_prefix(dev: Run) -> None:
    lake = dev.one("gcp:storage/bucket:Bucket", "cloud-bucket-lake-bucket").inputs["name"]
    catalog = members(dev, "cloud-identity-catalog", "gcp:storage/bucketIAMMember:BucketIAMMember")
    objects = catalog["cloud-identity-catalog-lake-objects"]
    assert objects["bucket"] == lake and objects["role"] == "roles/storage.objectUser"
    assert objects["condition"]["expression"] == f'resource.name.startsWith("projects/_/buckets/{lake}/objects/warehouse/")'
    listing = catalog["cloud-identity-catalog-lake-list"]["condition"]["expression"]
    assert 'objectListPrefix", "").startsWith("warehouse/")' in listing
    reader = members(dev, "cloud-identity-reader", "gcp:storage/bucketIAMMember:BucketIAMMember")
    assert [(r["role"], "condition" in r) for r in reader.values()] == [("roles/storage.objectViewer", False)]
    assert not members(dev, "cloud-identity-external-secrets", "gcp:storage/bucketIAMMember:BucketIAMMember")


def test_secret_reads_are_limited_to_the_prefix_and_the_admin_secrets(dev: Run) -> None:
    (grant,) = members(dev, "cloud-identity-external-secrets", "gcp:projects/iAMMember:IAMMember").values()
    assert grant["role"] == "roles/secretmanager.secretAccessor"
    assert grant["condition"]["expression"] == f'resource.name.startsWith("projects/{dev.number}/secrets/cloud-kernel_dev_")'
    (admin,) = members(dev, "cloud-identity-external-secrets", "gcp:secretmanager/secretIamMember:SecretIamMember").values()
    assert admin["secretId"] == "projects/ck-dev-project/secrets/cloud-kernel-dev-gcp-postgres-platform-admin"
    assert not members(dev, "cloud-identity-reader", "gcp:projects/iAMMember:IAMMember")


def test_secret_store_uses_secret_manager_through_workload_identity(dev: Run) -> None:
    assert dev.outputs["secretStore"] == {
        "gcpsm": {
            "projectID": "ck-dev-project",
            "auth": {
                "workloadIdentity": {
                    "clusterLocation": "europe-west1",
                    "clusterName": "cloud-kernel-dev-gcp",
                    "clusterProjectID": "ck-dev-project",
                    "serviceAccountRef": {"name": "external-secrets", "namespace": "core"},
                }
            },
        }
    }
    assert dev.contract.secret_store.identity == "external-secrets"


def test_contract_lists_cluster_and_pools_as_ready_gates(dev: Run) -> None:
    ready = set(dev.outputs["clusterReady"])
    assert dev.one("gcp:container/cluster:Cluster", "cloud-cluster-gke").urn in ready
    assert {p.urn for p in dev.all("gcp:container/nodePool:NodePool")} <= ready
    assert dev.outputs["cloud"] == "gcp" and dev.outputs["storageClasses"] == {"standard": "standard"}
