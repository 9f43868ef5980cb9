"""Component tests of the Azure backend on the simulated cloud: exact child types and the inputs that carry the
secure defaults, per component. Two scenarios, each run once per module: a dev-like kernel (API server behind
authorized IP ranges, a spot pool, burstable Postgres without HA) and a prod kernel (private cluster reached
from a deployer VNet, a GPU pool, fast and shared volumes, zone-redundant Postgres with a lock)."""

from __future__ import annotations

import json
from collections import Counter

import pulumi
import pytest

from cloud_kernel.azure import node_pools
from cloud_kernel.azure.backend import AzureCloudKernel
from cloud_kernel.azure.identity import prefix_condition
from cloud_kernel.azure.providers import ROLES
from cloud_kernel.specs import CloudKernelSpec, IdentityRequest
from kernelctl.plan.simulated.azure import subscription
from kernelctl.plan.simulated.context import SimContext
from tests.support.kernel_run import PROJECT, KernelRun

ADMINS = "11111111-2222-3333-4444-555555555555"
DEPLOYER_VNET = "/subscriptions/s/resourceGroups/ci/providers/Microsoft.Network/virtualNetworks/runners"

DEV = {
    "provider": "azure",
    "region": "westeurope",
    "network": {"cidr": "10.30.0.0/16", "zones": 3, "nat": "single"},
    "cluster": {"version": "1.33", "publicEndpoint": True, "publicAccessCidrs": ["203.0.113.0/24"], "admins": [ADMINS],
                "logRetentionDays": 7},
    "nodePools": {
        "general": {"machine": "general-medium", "minSize": 1, "maxSize": 3},
        "batch-spot": {
            "machine": "compute-large", "spot": True, "minSize": 0, "maxSize": 5, "diskSizeGb": 64,
            "taints": [{"key": "cloud-kernel.io/batch", "value": "true", "effect": "NoSchedule"}],
        },
    },
    "lakehouse": {"lake": {"noncurrentVersionDays": 7}},
    "postgres": {"platform": {"storageGb": 20, "maxStorageGb": 100, "deletionProtection": False}},
}
PROD = {
    "provider": "azure",
    "region": "germanywestcentral",
    "network": {"cidr": "10.50.0.0/16", "zones": 3, "nat": "perZone"},
    "cluster": {"version": "1.33", "logRetentionDays": 365},
    "nodePools": {
        "general": {"machine": "general-large", "minSize": 3, "maxSize": 6},
        "gpu": {
            "machine": "general-xlarge", "gpu": {"class": "nvidia-t4"}, "minSize": 0, "maxSize": 4,
            "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
        },
    },
    "volumes": {"classes": {"standard": {"default": True}, "fast": {"tier": "fast", "iops": 3000}, "shared": {"tier": "shared"}}},
    "lakehouse": {"lake": {"archiveAfterDays": 180}},
    "postgres": {"platform": {"size": "large", "highAvailability": True, "backupRetentionDays": 14}},
    "azure": {"deployerNetworkId": DEPLOYER_VNET, "systemPool": {"machine": "general-medium", "minSize": 3, "maxSize": 5}},
}
IDENTITIES = [
    IdentityRequest(name="catalog", namespace="core", service_account="iceberg-catalog", buckets={"lake": "readwrite"}),
    IdentityRequest(name="reader", namespace="ws-sales", service_account="reader", buckets={"lake": "read"}, prefix="workspaces/sales"),
    IdentityRequest(name="external-secrets", namespace="core", service_account="external-secrets", secrets_read=True,
                    database_admin_secrets=True),
]


class Run(KernelRun):
    cloud = "azure"

    def __init__(self, spec: dict, environment: str, stack: str):
        self.spec = CloudKernelSpec.model_validate(spec)
        captured = {}

        def program() -> None:
            contract = AzureCloudKernel("cloud", self.spec, environment=environment, identities=IDENTITIES).contract
            captured["contract"] = contract
            for key, value in contract.exports().items():
                pulumi.export(key, value)
            pulumi.export("identityAnnotations", {k: v.annotations for k, v in contract.identities.items()})
            pulumi.export("secretStore", contract.secret_store.provider)
            pulumi.export("adminSecrets", {k: v.admin_secret_ref for k, v in contract.postgres.items()})
            pulumi.export("kubeconfigDocument", pulumi.Output.unsecret(contract.kubeconfig))

        self.record(program, stack=stack, region=self.spec.region)
        self.contract = captured["contract"]

    def grants(self, role: str) -> list:
        return [r for r in self.all("azure-native:authorization:RoleAssignment") if r.inputs["roleDefinitionId"].endswith(ROLES[role])]


@pytest.fixture(scope="module")
def dev() -> Run:
    return Run(DEV, "dev", "test-dev")


@pytest.fixture(scope="module")
def prod() -> Run:
    return Run(PROD, "prod", "test-prod")


AKS = "azure-native:containerservice:ManagedCluster"
POOL = "azure-native:containerservice:AgentPool"


# ----- root --------------------------------------------------------------------------------------------------
def test_root_owns_every_component_and_the_providers(dev: Run) -> None:
    assert dev.children("CloudKernel", "cloud") == Counter(
        {
            "pulumi:providers:azure-native": 1,
            "pulumi:providers:kubernetes": 1,
            "azure-native:resources:ResourceGroup": 1,
            "cloud-kernel:azure:Network": 1,
            "cloud-kernel:azure:Keys": 1,
            "cloud-kernel:azure:Cluster": 1,
            "cloud-kernel:azure:NodePool": 2,
            "cloud-kernel:azure:Volumes": 1,
            "cloud-kernel:azure:LakehouseAccount": 1,
            "cloud-kernel:azure:Postgres": 1,
            "cloud-kernel:azure:WorkloadIdentity": 3,
        }
    )
    group = dev.one("azure-native:resources:ResourceGroup", "cloud-rg")
    assert group.inputs == {
        "resourceGroupName": "cloud-kernel-test-dev",
        "location": "westeurope",
        "tags": {"environment": "dev", "stack": "test-dev", "project": "cloud-kernel", "layer": "cloud-kernel", "managed-by": "cloud-kernel"},
    }
    assert dev.one("pulumi:providers:azure-native", "cloud-azure").inputs["location"] == "westeurope"
    # Every Azure resource that takes tags carries the stack's tags.
    tagged = [r for r in dev.regs.values() if r.type.startswith("azure-native:") and "tags" in r.inputs]
    assert len(tagged) > 30 and all(r.inputs["tags"]["stack"] == "test-dev" for r in tagged)


# ----- network -----------------------------------------------------------------------------------------------
def test_network_subnets_egress_and_nsgs(dev: Run) -> None:
    assert dev.children("Network", "cloud-network") == Counter(
        {
            "azure-native:network:VirtualNetwork": 1,
            "azure-native:network:PublicIPAddress": 1,
            "azure-native:network:NatGateway": 1,
            "azure-native:network:NetworkSecurityGroup": 3,
            "azure-native:network:Subnet": 3,
            "azure-native:privatedns:PrivateZone": 4,
            "azure-native:privatedns:VirtualNetworkLink": 4,
        }
    )
    vnet = dev.one("azure-native:network:VirtualNetwork", "cloud-network-vnet")
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": ["10.30.0.0/16"]} and "subnets" not in vnet.inputs
    subnets = {s.inputs["subnetName"]: s.inputs for s in dev.all("azure-native:network:Subnet")}
    assert {k: v["addressPrefix"] for k, v in subnets.items()} == {
        "nodes": "10.30.0.0/19", "endpoints": "10.30.255.0/24", "postgres": "10.30.254.0/24"
    }
    assert all(s["defaultOutboundAccess"] is False for s in subnets.values())
    assert "natGateway" in subnets["nodes"] and "natGateway" not in subnets["endpoints"]
    assert subnets["postgres"]["delegations"] == [{"name": "postgres", "serviceName": "Microsoft.DBforPostgreSQL/flexibleServers"}]
    assert subnets["endpoints"]["privateEndpointNetworkPolicies"] == "Enabled"
    nat = dev.one("azure-native:network:NatGateway", "cloud-network-nat")
    assert nat.inputs["zones"] == ["1"] and nat.inputs["sku"] == {"name": "Standard"}
    ip = dev.one("azure-native:network:PublicIPAddress", "cloud-network-nat-ip")
    assert ip.inputs["publicIPAllocationMethod"] == "Static" and ip.inputs["sku"]["name"] == "Standard"
    postgres_rules = dev.one("azure-native:network:NetworkSecurityGroup", "cloud-network-postgres-nsg").inputs["securityRules"]
    assert [(r["name"], r["access"], r["sourceAddressPrefix"], r["destinationPortRange"]) for r in postgres_rules] == [
        ("allow-postgres-from-nodes", "Allow", "10.30.0.0/19", "5432"),
        ("allow-within-subnet", "Allow", "10.30.254.0/24", "*"),
        ("deny-vnet-inbound", "Deny", "VirtualNetwork", "*"),
        ("deny-internet-inbound", "Deny", "Internet", "*"),
    ]
    zones = {z.inputs["privateZoneName"] for z in dev.all("azure-native:privatedns:PrivateZone")}
    assert zones == {"privatelink.vaultcore.azure.net", "privatelink.blob.core.windows.net",
                     "privatelink.dfs.core.windows.net", "privatelink.postgres.database.azure.com"}


def test_private_cluster_zone_and_deployer_path(prod: Run) -> None:
    zones = {z.inputs["privateZoneName"] for z in prod.all("azure-native:privatedns:PrivateZone")}
    assert "privatelink.germanywestcentral.azmk8s.io" in zones
    links = {r.name: r.inputs for r in prod.all("azure-native:privatedns:VirtualNetworkLink")}
    assert links["cloud-network-dns-aks-deployer"]["virtualNetwork"] == {"id": DEPLOYER_VNET}
    assert links["cloud-network-dns-aks-deployer"]["registrationEnabled"] is False
    peering = prod.one("azure-native:network:VirtualNetworkPeering", "cloud-network-deployer-peering")
    assert peering.inputs["remoteVirtualNetwork"] == {"id": DEPLOYER_VNET} and peering.inputs["allowForwardedTraffic"] is False


# ----- keys --------------------------------------------------------------------------------------------------
def test_key_vault_is_private_rbac_and_purge_protected(prod: Run) -> None:
    vault = prod.one("azure-native:keyvault:Vault", "cloud-keys-vault")
    props = vault.inputs["properties"]
    assert props["enableRbacAuthorization"] is True and props["enablePurgeProtection"] is True
    assert props["publicNetworkAccess"] == "Disabled" and props["networkAcls"] == {"defaultAction": "Deny", "bypass": "AzureServices"}
    assert props["sku"] == {"family": "A", "name": "premium"} and "accessPolicies" not in props
    assert vault.protect is True
    endpoint = prod.one("azure-native:network:PrivateEndpoint", "cloud-keys-vault-endpoint")
    assert endpoint.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["vault"]
    keys = {k.inputs["keyName"]: k for k in prod.all("azure-native:keyvault:Key")}
    assert set(keys) == {"cluster", "disks", "lakehouse", "databases"}
    for key in keys.values():
        p = key.inputs["properties"]
        assert p["kty"] == "RSA-HSM" and key.protect is True
        assert p["rotationPolicy"]["lifetimeActions"][0] == {"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P1Y"}}
    assert keys["cluster"].inputs["properties"]["keySize"] == 2048


def test_each_key_identity_gets_only_its_own_key(dev: Run) -> None:
    encryption_users = {r.name: r.inputs["scope"] for r in dev.grants("Key Vault Crypto Service Encryption User")}
    assert encryption_users == {
        f"cloud-keys-{p}-key-use": f"/subscriptions/{_sub(dev)}/resourceGroups/cloud-kernel-test-dev/providers/Microsoft.KeyVault/vaults/{_vault(dev)}/keys/{p}"
        for p in ("disks", "lakehouse", "databases")
    }
    assert [r.name for r in dev.grants("Key Vault Crypto User")] == ["cloud-keys-cluster-key-use"]
    des = dev.one("azure-native:compute:DiskEncryptionSet", "cloud-keys-disks-des")
    assert des.inputs["encryptionType"] == "EncryptionAtRestWithCustomerKey"
    assert des.inputs["rotationToLatestKeyVersionEnabled"] is True
    assert des.inputs["identity"]["type"] == "UserAssigned"


def _vault(run: Run) -> str:
    return run.one("azure-native:keyvault:Vault", "cloud-keys-vault").inputs["vaultName"]


def _sub(run: Run) -> str:
    return subscription(SimContext(project=PROJECT, stack="test-dev", region="westeurope"))


# ----- cluster -----------------------------------------------------------------------------------------------
def test_aks_secure_baseline(prod: Run) -> None:
    i = prod.one(AKS, "cloud-cluster-aks").inputs
    assert i["sku"] == {"name": "Base", "tier": "Standard"}
    assert i["disableLocalAccounts"] is True and i["enableRBAC"] is True
    assert i["aadProfile"]["managed"] is True and i["aadProfile"]["enableAzureRBAC"] is True
    assert i["oidcIssuerProfile"] == {"enabled": True}
    security = i["securityProfile"]
    assert security["workloadIdentity"] == {"enabled": True}
    assert security["azureKeyVaultKms"]["enabled"] is True and security["azureKeyVaultKms"]["keyVaultNetworkAccess"] == "Private"
    assert security["azureKeyVaultKms"]["keyId"].startswith("https://") and "/keys/cluster/" in security["azureKeyVaultKms"]["keyId"]
    assert i["networkProfile"] == {
        "networkPlugin": "azure", "networkPluginMode": "overlay", "networkDataplane": "cilium", "networkPolicy": "cilium",
        "outboundType": "userAssignedNATGateway", "loadBalancerSku": "standard", "podCidr": "192.168.0.0/16",
        "serviceCidr": "172.16.0.0/16", "dnsServiceIP": "172.16.0.10",
    }
    assert i["apiServerAccessProfile"]["enablePrivateCluster"] is True
    assert i["apiServerAccessProfile"]["enablePrivateClusterPublicFQDN"] is False
    assert i["apiServerAccessProfile"]["privateDNSZone"].endswith("/privateDnsZones/privatelink.germanywestcentral.azmk8s.io")
    assert i["autoUpgradeProfile"] == {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"}
    assert i["storageProfile"] == {k: {"enabled": True} for k in ("diskCSIDriver", "fileCSIDriver", "blobCSIDriver", "snapshotController")}
    assert i["diskEncryptionSetID"].endswith("/diskEncryptionSets/cloud-kernel-test-prod-disks")
    (system,) = i["agentPoolProfiles"]  # only the system pool inline
    assert system["name"] == "system" and system["mode"] == "System" and system["nodeTaints"] == ["CriticalAddonsOnly=true:NoSchedule"]
    assert system["osSKU"] == "AzureLinux" and system["enableEncryptionAtHost"] is True and system["availabilityZones"] == ["1", "2", "3"]
    assert (system["minCount"], system["maxCount"], system["vmSize"]) == (3, 5, "Standard_D4s_v5")
    aks = prod.one(AKS, "cloud-cluster-aks")
    assert aks.protect is True and aks.ignore_changes == ["agentPoolProfiles[0].count"]


def test_dev_cluster_is_allow_listed_and_free_tier(dev: Run) -> None:
    i = dev.one(AKS, "cloud-cluster-aks").inputs
    assert i["sku"]["tier"] == "Free"
    assert i["apiServerAccessProfile"] == {"enablePrivateCluster": False, "authorizedIPRanges": ["203.0.113.0/24"], "disableRunCommand": True}
    assert i["aadProfile"]["adminGroupObjectIDs"] == [ADMINS]
    workspace = dev.one("azure-native:operationalinsights:Workspace", "cloud-cluster-logs")
    assert workspace.inputs["retentionInDays"] == 30  # 7 asked; Log Analytics keeps at least 30
    diagnostics = dev.one("azure-native:monitor:DiagnosticSetting", "cloud-cluster-diagnostics").inputs
    assert [l["category"] for l in diagnostics["logs"]] == [
        "kube-apiserver", "kube-audit-admin", "kube-controller-manager", "kube-scheduler", "cluster-autoscaler", "guard"]
    windows = {m.inputs["configName"]: m.inputs["maintenanceWindow"] for m in dev.all("azure-native:containerservice:MaintenanceConfiguration")}
    assert set(windows) == {"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"}
    assert windows["aksManagedAutoUpgradeSchedule"]["schedule"] == {"weekly": {"dayOfWeek": "Sunday", "intervalWeeks": 1}}
    admin = dev.grants("Azure Kubernetes Service RBAC Cluster Admin")
    assert len(admin) == 1 and admin[0].inputs["scope"].endswith("/managedClusters/cloud-kernel-test-dev")
    network = [r for r in dev.grants("Network Contributor") if r.name == "cloud-cluster-network"]
    assert network and network[0].inputs["scope"].endswith("/virtualNetworks/cloud-kernel-test-dev-vnet")


# ----- node pools --------------------------------------------------------------------------------------------
def test_node_pool_names_are_short_and_stable() -> None:
    assert node_pools.pool_name("general") == "general"
    assert node_pools.pool_name("batch-spot") == node_pools.pool_name("batch-spot")
    for key in ("batch-spot", "a-very-long-pool-name", "9lives", "gpu"):
        name = node_pools.pool_name(key)
        assert len(name) <= 12 and name.isalnum() and name.islower() and name[0].isalpha(), name
    assert node_pools.pool_name("ab-c") != node_pools.pool_name("abc-")


def test_spot_pool(dev: Run) -> None:
    pool = dev.one(POOL, "cloud-pool-batch-spot-nodes")
    i = pool.inputs
    assert i["agentPoolName"] == node_pools.pool_name("batch-spot") and i["mode"] == "User"
    assert (i["scaleSetPriority"], i["scaleSetEvictionPolicy"], i["spotMaxPrice"]) == ("Spot", "Delete", -1)
    assert "upgradeSettings" not in i  # AKS refuses surge settings on spot pools
    assert i["nodeTaints"] == ["cloud-kernel.io/batch=true:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"]
    assert (i["vmSize"], i["osDiskType"], i["osDiskSizeGB"]) == ("Standard_F8s_v2", "Ephemeral", 64)
    assert i["enableEncryptionAtHost"] is True and i["osSKU"] == "AzureLinux" and i["enableAutoScaling"] is True
    assert pool.ignore_changes == ["count"]
    facts = dev.contract.node_pools["batch-spot"]
    assert {"key": "kubernetes.azure.com/scalesetpriority", "value": "spot", "effect": "NoSchedule"} in facts.taints


def test_on_demand_and_gpu_pools(dev: Run, prod: Run) -> None:
    general = dev.one(POOL, "cloud-pool-general-nodes").inputs
    assert general["scaleSetPriority"] == "Regular" and general["upgradeSettings"] == {"maxSurge": "33%"}
    assert (general["vmSize"], general["osDiskType"]) == ("Standard_D4s_v5", "Managed")  # Dsv5: no local disk
    assert general["availabilityZones"] == ["1", "2", "3"] and general["nodeLabels"] == {"cloud-kernel.io/pool": "general"}
    gpu = prod.one(POOL, "cloud-pool-gpu-nodes").inputs
    assert gpu["vmSize"] == "Standard_NC16as_T4_v3" and gpu["gpuProfile"] == {"driver": "Install"}
    assert gpu["nodeTaints"] == ["nvidia.com/gpu=true:NoSchedule"]
    assert prod.contract.node_pools["gpu"].gpu is True


# ----- volumes -----------------------------------------------------------------------------------------------
def test_storage_classes(prod: Run) -> None:
    classes = {c.inputs["metadata"]["name"]: c.inputs for c in prod.all("kubernetes:storage.k8s.io/v1:StorageClass")}
    des = prod.one(AKS, "cloud-cluster-aks").inputs["diskEncryptionSetID"]
    assert classes["standard"]["provisioner"] == "disk.csi.azure.com"
    assert classes["standard"]["parameters"] == {
        "skuName": "Premium_ZRS", "cachingMode": "ReadOnly", "diskEncryptionSetID": des,
        "diskEncryptionType": "EncryptionAtRestWithCustomerKey", "csi.storage.k8s.io/fstype": "ext4"}
    assert classes["fast"]["parameters"]["skuName"] == "PremiumV2_LRS" and classes["fast"]["parameters"]["DiskIOPSReadWrite"] == "3000"
    assert classes["fast"]["parameters"]["cachingMode"] == "None"
    assert classes["shared"]["provisioner"] == "file.csi.azure.com"
    assert classes["shared"]["parameters"] == {"protocol": "nfs", "skuName": "Premium_ZRS", "networkEndpointType": "privateEndpoint"}
    assert [c["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] for _, c in sorted(classes.items())] == ["false", "false", "true"]
    assert all(c["volumeBindingMode"] == "WaitForFirstConsumer" for c in classes.values())
    assert prod.contract.shared_storage_class == "shared" and prod.contract.default_storage_class == "standard"


# ----- lakehouse ---------------------------------------------------------------------------------------------
def test_lakehouse_account(prod: Run) -> None:
    account = prod.one("azure-native:storage:StorageAccount", "cloud-lake-lake-account")
    i = account.inputs
    expected = {"kind": "StorageV2", "isHnsEnabled": True, "allowBlobPublicAccess": False, "allowSharedKeyAccess": False,
                "defaultToOAuthAuthentication": True, "minimumTlsVersion": "TLS1_2", "publicNetworkAccess": "Disabled",
                "enableHttpsTrafficOnly": True, "allowCrossTenantReplication": False, "isLocalUserEnabled": False}
    assert {k: i[k] for k in expected} == expected
    assert i["sku"] == {"name": "Standard_ZRS"} and len(i["accountName"]) <= 24 and i["accountName"].isalnum()
    assert i["encryption"]["keySource"] == "Microsoft.Keyvault" and i["encryption"]["requireInfrastructureEncryption"] is True
    assert i["encryption"]["keyVaultProperties"]["keyName"] == "lakehouse"
    assert account.protect is True
    assert prod.one("azure-native:storage:BlobContainer", "cloud-lake-lake-container").inputs["publicAccess"] == "None"
    service = prod.one("azure-native:storage:BlobServiceProperties", "cloud-lake-lake-blob-service").inputs
    assert service["deleteRetentionPolicy"] == {"enabled": True, "days": 30}
    rules = prod.one("azure-native:storage:ManagementPolicy", "cloud-lake-lake-lifecycle").inputs["policy"]["rules"]
    assert [r["name"] for r in rules] == ["expire-snapshots", "cold-tier"]
    assert rules[1]["definition"]["actions"]["baseBlob"]["tierToCold"] == {"daysAfterModificationGreaterThan": 180}
    groups = sorted(e.inputs["privateLinkServiceConnections"][0]["groupIds"][0]
                    for e in prod.all("azure-native:network:PrivateEndpoint") if e.name.startswith("cloud-lake-lake"))
    assert groups == ["blob", "dfs"]
    assert prod.outputs["lakehouse"]["lake"]["uri"] == f"abfss://lake@{i['accountName']}.dfs.core.windows.net/"


# ----- postgres ----------------------------------------------------------------------------------------------
def test_postgres_prod(prod: Run) -> None:
    server = prod.one("azure-native:dbforpostgresql:Server", "cloud-db-platform-server")
    i = server.inputs
    assert i["network"]["publicNetworkAccess"] == "Disabled" and i["network"]["delegatedSubnetResourceId"].endswith("/subnets/postgres")
    assert i["highAvailability"] == {"mode": "ZoneRedundant", "standbyAvailabilityZone": "2"} and i["availabilityZone"] == "1"
    assert i["sku"] == {"name": "Standard_D4ds_v5", "tier": "GeneralPurpose"}
    assert i["authConfig"]["activeDirectoryAuth"] == "Enabled"
    assert i["dataEncryption"]["type"] == "AzureKeyVault" and i["dataEncryption"]["primaryKeyURI"].endswith("/keys/databases")
    assert i["backup"]["backupRetentionDays"] == 14 and i["storage"] == {"storageSizeGB": 64, "autoGrow": "Enabled"}
    assert i["maintenanceWindow"] == {"customWindow": "Enabled", "dayOfWeek": 0, "startHour": 3, "startMinute": 30}
    assert "administratorLoginPassword" in server.secret_paths or i["administratorLoginPassword"] == "[secret]"
    assert server.protect is True
    assert server.ignore_changes == ["availabilityZone", "highAvailability.standbyAvailabilityZone", "storage.storageSizeGb"]
    configs = prod.all("azure-native:dbforpostgresql:Configuration")
    values = {c.inputs["configurationName"]: c.inputs["value"] for c in configs}
    assert values["require_secure_connection"] == "on" and values["ssl_min_protocol_version"] == "TLSv1.2"
    ordered = [c for c in configs if c.name.endswith("ssl-min-protocol-version")][0]
    assert any(d.endswith("require-secure-connection") for d in ordered.dependencies)  # applied one after another
    lock = prod.one("azure-native:authorization:ManagementLockByScope", "cloud-db-platform-lock")
    assert lock.inputs["level"] == "CanNotDelete"
    secret = prod.one("azure-native:keyvault:Secret", "cloud-db-platform-admin-secret")
    assert secret.inputs["secretName"] == "postgres-platform-admin" and secret.inputs["properties"]["value"] == "[secret]"
    assert prod.outputs["adminSecrets"] == {"platform": "postgres-platform-admin"}


def test_postgres_dev_is_burstable_without_ha_or_lock(dev: Run) -> None:
    i = dev.one("azure-native:dbforpostgresql:Server", "cloud-db-platform-server").inputs
    assert i["sku"] == {"name": "Standard_B2ms", "tier": "Burstable"} and i["highAvailability"]["mode"] == "Disabled"
    assert i["storage"]["storageSizeGB"] == 32
    assert dev.all("azure-native:authorization:ManagementLockByScope") == []


# ----- identities --------------------------------------------------------------------------------------------
def test_workload_identities_are_federated_and_least_privilege(dev: Run) -> None:
    federations = {f.name: f.inputs for f in dev.all("azure-native:managedidentity:FederatedIdentityCredential")}
    assert federations["cloud-identity-reader-federation"]["subject"] == "system:serviceaccount:ws-sales:reader"
    assert federations["cloud-identity-reader-federation"]["audiences"] == ["api://AzureADTokenExchange"]
    assert federations["cloud-identity-reader-federation"]["issuer"].startswith("https://westeurope.oic.prod-aks.azure.com/")
    reader = dev.one("azure-native:authorization:RoleAssignment", "cloud-identity-reader-lake-data").inputs
    assert reader["roleDefinitionId"].endswith(ROLES["Storage Blob Data Reader"])
    assert reader["scope"].endswith("/blobServices/default/containers/lake")
    assert reader["condition"] == prefix_condition("workspaces/sales") and reader["conditionVersion"] == "2.0"
    catalog = dev.one("azure-native:authorization:RoleAssignment", "cloud-identity-catalog-lake-data").inputs
    assert catalog["roleDefinitionId"].endswith(ROLES["Storage Blob Data Contributor"]) and "condition" not in catalog
    secrets = dev.one("azure-native:authorization:RoleAssignment", "cloud-identity-external-secrets-db-platform-admin-secret")
    assert secrets.inputs["scope"].endswith("/secrets/postgres-platform-admin")
    annotations = dev.outputs["identityAnnotations"]["reader"]
    assert set(annotations) == {"azure.workload.identity/client-id", "azure.workload.identity/tenant-id"}
    assert dev.contract.identities["reader"].pod_labels == {"azure.workload.identity/use": "true"}
    assert dev.outputs["secretStore"]["azurekv"]["authType"] == "WorkloadIdentity"
    assert dev.outputs["secretStore"]["azurekv"]["serviceAccountRef"] == {"name": "external-secrets", "namespace": "core"}


def test_prefix_condition_limits_blob_paths() -> None:
    assert prefix_condition("") is None and prefix_condition("/") is None
    condition = prefix_condition("/workspaces/sales/")
    assert "StringStartsWith 'workspaces/sales/'" in condition
    assert condition.count("ActionMatches") == 5


def test_kubeconfig_uses_entra_tokens(dev: Run) -> None:
    document = json.loads(dev.outputs["kubeconfigDocument"])
    user = document["users"][0]["user"]["exec"]
    assert user["command"] == "kubelogin" and user["args"][:3] == ["get-token", "--login", "azurecli"]
    assert document["clusters"][0]["cluster"]["server"].endswith(".hcp.westeurope.azmk8s.io:443")
