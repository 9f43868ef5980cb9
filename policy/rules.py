"""Policy rules over plan resources: pure predicates, no Pulumi import.

A plan resource is a dict with at least `type`, `urn` and `inputs` (engine camelCase names), optionally
`dependencies` and `protect` (the `plan.json` entry shape). `evaluate(resources, environment)` returns one
finding per violation: `{"rule", "level", "urn", "message"}`. `mandatory` findings fail a plan (and the
CrossGuard pack); `advisory` ones are reported.

The same predicates serve the offline plan, the CrossGuard pack and the tests, so a rule is written once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from cloud_kernel.limits import covers_whole_internet, widest_allowed

Level = Literal["mandatory", "advisory"]
Resource = dict[str, Any]
Finding = tuple[str, str]  # (urn, message)

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_PARAMETER_GROUPS = ("aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup")
EKS_CLUSTER = "aws:eks/cluster:Cluster"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
KMS_KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance"
GKE_CLUSTER = "gcp:container/cluster:Cluster"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"
CLOUD_KMS_KEY = "gcp:kms/cryptoKey:CryptoKey"
STATEFUL = (BUCKET, RDS_INSTANCE, RDS_CLUSTER, EKS_CLUSTER, KMS_KEY, "aws:efs/fileSystem:FileSystem",
            GCS_BUCKET, CLOUD_SQL, GKE_CLUSTER, CLOUD_KMS_KEY)
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


@dataclass(frozen=True)
class Rule:
    name: str
    level: Level
    description: str
    check: Callable[[list[Resource], str], Iterable[Finding]]
    production_only: bool = False


def _of(resources: list[Resource], *types: str) -> Iterator[Resource]:
    return (r for r in resources if r.get("type") in types)


def _inputs(resource: Resource) -> dict[str, Any]:
    return resource.get("inputs") or {}


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _attached(bucket: Resource, candidates: Iterable[Resource]) -> list[Resource]:
    """Bucket-scoped resources (public access block, encryption, ...) that belong to `bucket`: they depend on
    its URN or name it in their `bucket` input."""
    name = _inputs(bucket).get("bucket")
    return [
        c
        for c in candidates
        if bucket["urn"] in (c.get("dependencies") or []) or (name is not None and _inputs(c).get("bucket") == name)
    ]


# ----- S3 ---------------------------------------------------------------------------------------------------
def s3_public_access_blocked(resources: list[Resource], environment: str) -> Iterator[Finding]:
    blocks = list(_of(resources, PUBLIC_ACCESS_BLOCK))
    for bucket in _of(resources, BUCKET):
        mine = _attached(bucket, blocks)
        if not mine:
            yield bucket["urn"], "bucket has no public access block"
            continue
        off = [flag for flag in PUBLIC_ACCESS_FLAGS if not any(_truthy(_inputs(b).get(flag)) for b in mine)]
        if off:
            yield bucket["urn"], f"public access block leaves {', '.join(off)} off"


def _log_targets(resources: list[Resource]) -> set[str]:
    return {str(_inputs(r).get("targetBucket")) for r in _of(resources, BUCKET_LOGGING) if _inputs(r).get("targetBucket")}


def s3_encrypted_kms(resources: list[Resource], environment: str) -> Iterator[Finding]:
    """Data buckets use SSE-KMS with a customer key; a server-access-log target may use SSE-S3 (S3 logging
    cannot deliver to SSE-KMS buckets) but must be encrypted."""
    configs = list(_of(resources, BUCKET_ENCRYPTION))
    targets = _log_targets(resources)
    for bucket in _of(resources, BUCKET):
        algorithms = []
        keys = []
        for config in _attached(bucket, configs):
            for rule in _inputs(config).get("rules") or []:
                default = rule.get("applyServerSideEncryptionByDefault") or {}
                algorithms.append(default.get("sseAlgorithm"))
                keys.append(default.get("kmsMasterKeyId"))
        is_log_target = _inputs(bucket).get("bucket") in targets
        if not algorithms:
            yield bucket["urn"], "bucket has no default encryption configuration"
        elif is_log_target:
            if not set(algorithms) & {"AES256", "aws:kms", "aws:kms:dsse"}:
                yield bucket["urn"], "access-log bucket is not encrypted"
        elif not any(a in ("aws:kms", "aws:kms:dsse") and k for a, k in zip(algorithms, keys)):
            yield bucket["urn"], "bucket is not encrypted with a customer KMS key (sseAlgorithm aws:kms + kmsMasterKeyId)"


def s3_tls_only(resources: list[Resource], environment: str) -> Iterator[Finding]:
    policies = list(_of(resources, BUCKET_POLICY))
    for bucket in _of(resources, BUCKET):
        texts = [str(_inputs(p).get("policy", "")) for p in _attached(bucket, policies)]
        if not any("aws:SecureTransport" in t and '"Deny"' in t for t in texts):
            yield bucket["urn"], "no bucket policy denies requests without TLS (aws:SecureTransport=false)"


# ----- RDS --------------------------------------------------------------------------------------------------
def rds_encrypted(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for db in _of(resources, RDS_INSTANCE, RDS_CLUSTER):
        inputs = _inputs(db)
        if inputs.get("replicateSourceDb"):
            continue  # replicas inherit the source's encryption
        if not _truthy(inputs.get("storageEncrypted")):
            yield db["urn"], "storage is not encrypted"
        elif not inputs.get("kmsKeyId"):
            yield db["urn"], "storage is encrypted with the AWS-managed key, not a customer KMS key"


def rds_force_ssl(resources: list[Resource], environment: str) -> Iterator[Finding]:
    groups = {r["urn"]: r for r in _of(resources, *RDS_PARAMETER_GROUPS)}
    for db in _of(resources, RDS_INSTANCE, RDS_CLUSTER):
        mine = [groups[d] for d in db.get("dependencies") or [] if d in groups]
        if not mine:
            yield db["urn"], "no parameter group of its own: rds.force_ssl is not set"
            continue
        forced = any(
            p.get("name") == "rds.force_ssl" and str(p.get("value")) == "1"
            for g in mine
            for p in _inputs(g).get("parameters") or []
        )
        if not forced:
            yield db["urn"], "parameter group does not set rds.force_ssl=1"


def rds_not_public(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for db in _of(resources, RDS_INSTANCE, RDS_CLUSTER, "aws:rds/clusterInstance:ClusterInstance"):
        if _truthy(_inputs(db).get("publiclyAccessible")):
            yield db["urn"], "database is publicly accessible"


def rds_deletion_protection_in_prod(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for db in _of(resources, RDS_INSTANCE, RDS_CLUSTER):
        if not _truthy(_inputs(db).get("deletionProtection")):
            yield db["urn"], "production database without deletion protection"


# ----- EKS, EC2, KMS, logs ---------------------------------------------------------------------------------------
def eks_private_endpoint(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for cluster in _of(resources, EKS_CLUSTER):
        vpc = _inputs(cluster).get("vpcConfig") or {}
        if not _truthy(vpc.get("endpointPrivateAccess")):
            yield cluster["urn"], "the API server has no private endpoint"
        if _truthy(vpc.get("endpointPublicAccess")):
            cidrs = vpc.get("publicAccessCidrs") or []
            if environment == "prod":
                yield cluster["urn"], "public API endpoint in production"
            elif not cidrs or covers_whole_internet(cidrs):
                # Judged by what the allow-list covers, not its text: 0.0.0.0/1 + 128.0.0.0/1 is 0.0.0.0/0.
                yield cluster["urn"], f"public API endpoint open to the whole internet (allow-list: {cidrs or 'none'})"


PUBLIC_ACCESS_WIDEST_PREFIX = 16  # the config's default `cluster.publicAccessWidestPrefix`


def eks_public_access_narrow(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for cluster in _of(resources, EKS_CLUSTER):
        vpc = _inputs(cluster).get("vpcConfig") or {}
        cidrs = vpc.get("publicAccessCidrs") or []
        if _truthy(vpc.get("endpointPublicAccess")) and cidrs and not covers_whole_internet(cidrs):
            too_wide = widest_allowed(cidrs, PUBLIC_ACCESS_WIDEST_PREFIX)
            if too_wide:
                yield cluster["urn"], f"the public API endpoint's allow-list {too_wide}"


def launch_template_imdsv2(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for template in _of(resources, LAUNCH_TEMPLATE):
        options = _inputs(template).get("metadataOptions") or {}
        if options.get("httpTokens") != "required":
            yield template["urn"], "instance metadata does not require IMDSv2 tokens (httpTokens != required)"


def launch_template_hop_limit(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for template in _of(resources, LAUNCH_TEMPLATE):
        hops = (_inputs(template).get("metadataOptions") or {}).get("httpPutResponseHopLimit")
        if hops is None or int(hops) > 1:
            yield template["urn"], f"IMDS hop limit {hops}: pods can reach the node role's credentials"


def launch_template_encrypted_volumes(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for template in _of(resources, LAUNCH_TEMPLATE):
        mappings = _inputs(template).get("blockDeviceMappings") or []
        if not mappings:
            yield template["urn"], "no block device mapping: the root volume's encryption is left to account defaults"
        for mapping in mappings:
            ebs = mapping.get("ebs") or {}
            if not _truthy(ebs.get("encrypted")) or not ebs.get("kmsKeyId"):
                yield template["urn"], f"volume {mapping.get('deviceName')} is not encrypted with a customer KMS key"


def kms_rotation(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for key in _of(resources, KMS_KEY):
        inputs = _inputs(key)
        if inputs.get("customerMasterKeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
            continue  # AWS rotates only symmetric keys
        if not _truthy(inputs.get("enableKeyRotation")):
            yield key["urn"], "key rotation is off"


def log_group_encrypted(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for group in _of(resources, LOG_GROUP):
        inputs = _inputs(group)
        if not inputs.get("kmsKeyId"):
            yield group["urn"], "log group is not encrypted with a customer KMS key"
        if not inputs.get("retentionInDays"):
            yield group["urn"], "log group keeps its events forever (no retentionInDays)"


# ----- GCP: GCS, Cloud SQL, GKE, Cloud KMS ---------------------------------------------------------------------
def gcs_private(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for bucket in _of(resources, GCS_BUCKET):
        inputs = _inputs(bucket)
        if inputs.get("publicAccessPrevention") != "enforced":
            yield bucket["urn"], "public access prevention is not enforced"
        if not _truthy(inputs.get("uniformBucketLevelAccess")):
            yield bucket["urn"], "uniform bucket-level access is off (object ACLs can grant access)"


def gcs_encrypted_cmek(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for bucket in _of(resources, GCS_BUCKET):
        if not (_inputs(bucket).get("encryption") or {}).get("defaultKmsKeyName"):
            yield bucket["urn"], "bucket has no customer-managed default key (encryption.defaultKmsKeyName)"


def cloudsql_private_tls_cmek(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for db in _of(resources, CLOUD_SQL):
        inputs = _inputs(db)
        ip = (inputs.get("settings") or {}).get("ipConfiguration") or {}
        if ip.get("ipv4Enabled") is not False:
            yield db["urn"], "the instance has a public IPv4 address (ipConfiguration.ipv4Enabled)"
        if ip.get("authorizedNetworks"):
            yield db["urn"], "authorized networks open the instance to addresses outside the VPC"
        if ip.get("sslMode") not in ("ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"):
            yield db["urn"], f"connections without TLS are accepted (sslMode {ip.get('sslMode')})"
        if not inputs.get("encryptionKeyName"):
            yield db["urn"], "storage is not encrypted with a customer-managed key (encryptionKeyName)"


def cloudsql_deletion_protection_in_prod(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for db in _of(resources, CLOUD_SQL):
        inputs = _inputs(db)
        if not _truthy(inputs.get("deletionProtection")) or not _truthy((inputs.get("settings") or {}).get("deletionProtectionEnabled")):
            yield db["urn"], "production instance without deletion protection (Pulumi's and the API's)"


def gke_private_cluster(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for cluster in _of(resources, GKE_CLUSTER):
        inputs = _inputs(cluster)
        private = inputs.get("privateClusterConfig") or {}
        cidrs = [b.get("cidrBlock") for b in (inputs.get("masterAuthorizedNetworksConfig") or {}).get("cidrBlocks") or []]
        if not _truthy(private.get("enablePrivateNodes")):
            yield cluster["urn"], "nodes have public IP addresses (enablePrivateNodes is off)"
        if not _truthy(private.get("enablePrivateEndpoint")):
            if environment == "prod":
                yield cluster["urn"], "public control-plane endpoint in production"
            elif not cidrs or covers_whole_internet(cidrs):
                yield cluster["urn"], f"public control-plane endpoint open to the whole internet (authorized networks: {cidrs or 'none'})"


def gke_workload_identity(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for cluster in _of(resources, GKE_CLUSTER):
        inputs = _inputs(cluster)
        if not (inputs.get("workloadIdentityConfig") or {}).get("workloadPool"):
            yield cluster["urn"], "Workload Identity is off (no workload pool)"
        encryption = inputs.get("databaseEncryption") or {}
        if encryption.get("state") != "ENCRYPTED" or not encryption.get("keyName"):
            yield cluster["urn"], "Kubernetes Secrets are not encrypted with a customer-managed key"
    for pool in _of(resources, GKE_NODE_POOL):
        mode = ((_inputs(pool).get("nodeConfig") or {}).get("workloadMetadataConfig") or {}).get("mode")
        if mode != "GKE_METADATA":
            yield pool["urn"], f"pods can reach the node's metadata and credentials (workloadMetadataConfig.mode {mode})"


def gke_hardened_nodes(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for pool in _of(resources, GKE_NODE_POOL):
        config = _inputs(pool).get("nodeConfig") or {}
        shielded = config.get("shieldedInstanceConfig") or {}
        if not (_truthy(shielded.get("enableSecureBoot")) and _truthy(shielded.get("enableIntegrityMonitoring"))):
            yield pool["urn"], "nodes without secure boot and integrity monitoring"
        if not config.get("bootDiskKmsKey"):
            yield pool["urn"], "boot disks are not encrypted with a customer-managed key"
        account = str(config.get("serviceAccount") or "default")
        if account == "default" or account.endswith("-compute@developer.gserviceaccount.com"):
            yield pool["urn"], "nodes run as the Compute Engine default service account"


def cloud_kms_rotation(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for key in _of(resources, CLOUD_KMS_KEY):
        if _inputs(key).get("purpose", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT" and not _inputs(key).get("rotationPeriod"):
            yield key["urn"], "key rotation is off (no rotationPeriod)"


def stateful_protected_in_prod(resources: list[Resource], environment: str) -> Iterator[Finding]:
    for resource in _of(resources, *STATEFUL):
        if not resource.get("protect"):
            yield resource["urn"], "stateful production resource is not protected (protect=True)"


RULES: tuple[Rule, ...] = (
    Rule("s3-public-access-blocked", "mandatory", "Every bucket has all four public access blocks on.", s3_public_access_blocked),
    Rule("s3-encrypted-kms", "mandatory", "Data buckets use SSE-KMS with a customer key.", s3_encrypted_kms),
    Rule("s3-tls-only", "mandatory", "Bucket policies deny requests without TLS.", s3_tls_only),
    Rule("rds-encrypted", "mandatory", "Database storage is encrypted with a customer key.", rds_encrypted),
    Rule("rds-force-ssl", "mandatory", "Databases refuse connections without TLS.", rds_force_ssl),
    Rule("rds-not-public", "mandatory", "Databases are never publicly accessible.", rds_not_public),
    Rule("rds-deletion-protection-in-prod", "mandatory", "Production databases have deletion protection.",
         rds_deletion_protection_in_prod, production_only=True),
    Rule("eks-private-endpoint-in-prod", "mandatory", "The API server is private; public only outside prod, allow-listed.",
         eks_private_endpoint),
    Rule("eks-public-access-narrow", "advisory", "A public API allow-list covers no more than one /16.",
         eks_public_access_narrow),
    Rule("launch-template-imdsv2", "mandatory", "Nodes require IMDSv2.", launch_template_imdsv2),
    Rule("launch-template-imds-hop-limit", "advisory", "IMDS hop limit 1 keeps pods away from node credentials.",
         launch_template_hop_limit),
    Rule("launch-template-encrypted-volumes", "mandatory", "Node volumes use a customer KMS key.", launch_template_encrypted_volumes),
    Rule("kms-rotation", "mandatory", "Symmetric customer keys rotate.", kms_rotation),
    Rule("log-group-encrypted", "advisory", "Log groups are KMS-encrypted and have a retention.", log_group_encrypted),
    Rule("gcs-private", "mandatory", "Buckets enforce public access prevention and uniform access.", gcs_private),
    Rule("gcs-encrypted-cmek", "mandatory", "Buckets default to a customer-managed key.", gcs_encrypted_cmek),
    Rule("cloudsql-private-tls-cmek", "mandatory", "Cloud SQL: private IP only, TLS only, customer-managed key.",
         cloudsql_private_tls_cmek),
    Rule("cloudsql-deletion-protection-in-prod", "mandatory", "Production Cloud SQL instances have deletion protection.",
         cloudsql_deletion_protection_in_prod, production_only=True),
    Rule("gke-private-cluster", "mandatory", "Private nodes; a private endpoint in prod, allow-listed elsewhere.",
         gke_private_cluster),
    Rule("gke-workload-identity", "mandatory", "Workload Identity, the GKE metadata server and CMEK-encrypted Secrets.",
         gke_workload_identity),
    Rule("gke-hardened-nodes", "mandatory", "Shielded nodes with CMEK boot disks and their own service account.",
         gke_hardened_nodes),
    Rule("cloud-kms-rotation", "mandatory", "Cloud KMS keys rotate.", cloud_kms_rotation),
    Rule("stateful-protected-in-prod", "mandatory", "Production clusters, databases, buckets and keys are protected.",
         stateful_protected_in_prod, production_only=True),
)


def evaluate(resources: list[dict], environment: str) -> list[dict]:
    """Every violation of every applicable rule, in rule order, then resource order."""
    findings = []
    for rule in RULES:
        if rule.production_only and environment != "prod":
            continue
        for urn, message in rule.check(resources, environment):
            findings.append({"rule": rule.name, "level": rule.level, "urn": urn, "message": message})
    return findings
