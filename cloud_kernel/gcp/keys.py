"""`cloud-kernel:gcp:Keys`: a Cloud KMS key ring with one rotating key per purpose, and the Google service
agents allowed to use each key (granted before any resource asks for the key).

Purposes (one key each, so revoking or auditing one use never touches another):
- `cluster`: application-layer encryption of Kubernetes Secrets in etcd (GKE database encryption);
- `volumes`: node boot disks, persistent disks (PD CSI) and Filestore instances;
- `lakehouse`: default CMEK of the lakehouse and access-log buckets;
- `databases`: Cloud SQL storage and backups, and the Secret Manager secrets holding admin credentials.

Key rings and keys cannot be deleted in Cloud KMS: `pulumi destroy` schedules key versions for destruction
(after `destroy_scheduled_duration`) and forgets the ring. Names are therefore fixed per stack.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from cloud_kernel.gcp.providers import GcpEnv

PURPOSES: dict[str, str] = {
    "cluster": "GKE application-layer secrets encryption",
    "volumes": "node boot disks, persistent disks and Filestore",
    "lakehouse": "lakehouse and access-log buckets",
    "databases": "Cloud SQL and its admin secrets",
}
ENCRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
DESTROY_SCHEDULED = "2592000s"  # 30 days to cancel a destroyed key version

# Service agents that encrypt with each key. `service-<n>@<domain>` agents exist once their API is enabled;
# Cloud SQL, Secret Manager and Filestore agents are created on demand by `gcp.projects.ServiceIdentity`, the
# Cloud Storage agent by asking for it (`storage.getProjectServiceAccount`).
AGENTS: dict[str, tuple[str, ...]] = {
    "cluster": ("container-engine-robot",),
    "volumes": ("compute-system", "container-engine-robot", "cloud-filer"),
    "lakehouse": ("gs-project-accounts",),
    "databases": ("gcp-sa-cloud-sql", "gcp-sa-secretmanager"),
}
ON_DEMAND_AGENTS = {
    "gcp-sa-cloud-sql": "sqladmin.googleapis.com",
    "gcp-sa-secretmanager": "secretmanager.googleapis.com",
    "cloud-filer": "file.googleapis.com",
}


def rotation_period(days: int) -> str:
    return f"{days * 86400}s"


class Keys(pulumi.ComponentResource):
    """`cloud-kernel:gcp:Keys`: the key ring, a key per purpose, each service agent granted on its keys."""

    keys: dict[str, gcp.kms.CryptoKey]

    def __init__(
        self,
        name: str,
        env: GcpEnv,
        *,
        rotation_days: int,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("cloud-kernel:gcp:Keys", name, None, opts)
        self.ring = gcp.kms.KeyRing(
            f"{name}-ring",
            name=env.prefix,
            location=env.region,
            project=env.gcp_project,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )
        agents = self._agents(name, env, depends_on)
        self.keys, self.grants = {}, {}
        for purpose, description in PURPOSES.items():
            key = gcp.kms.CryptoKey(
                f"{name}-{purpose}",
                name=purpose,
                key_ring=self.ring.id,
                purpose="ENCRYPT_DECRYPT",
                rotation_period=rotation_period(rotation_days),
                destroy_scheduled_duration=DESTROY_SCHEDULED,
                version_template=gcp.kms.CryptoKeyVersionTemplateArgs(
                    algorithm="GOOGLE_SYMMETRIC_ENCRYPTION", protection_level="SOFTWARE"
                ),
                labels={"purpose": purpose},
                opts=env.stateful(self),
            )
            self.keys[purpose] = key
            self.grants[purpose] = [
                gcp.kms.CryptoKeyIAMMember(
                    f"{name}-{purpose}-{agent}",
                    crypto_key_id=key.id,
                    role=ENCRYPTER,
                    member=agents[agent],
                    opts=pulumi.ResourceOptions(parent=self),
                )
                for agent in AGENTS[purpose]
            ]
        self.register_outputs({purpose: key.id for purpose, key in self.keys.items()})

    def _agents(self, name: str, env: GcpEnv, depends_on: list[pulumi.Resource]) -> dict[str, pulumi.Output[str]]:
        members = {agent: env.service_agent(agent) for purposes in AGENTS.values() for agent in purposes}
        for agent, service in ON_DEMAND_AGENTS.items():
            identity = gcp.projects.ServiceIdentity(
                f"{name}-agent-{agent}",
                project=env.gcp_project,
                service=service,
                opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
            )
            members[agent] = identity.member
        # Asked for once the Storage API is on: the invoke waits for the project services.
        members["gs-project-accounts"] = gcp.storage.get_project_service_account_output(
            project=env.gcp_project,
            opts=pulumi.InvokeOutputOptions(provider=env.provider, parent=self, depends_on=depends_on),
        ).member
        return members

    def key_id(self, purpose: str) -> pulumi.Output[str]:
        """The key's resource id (`projects/.../cryptoKeys/<purpose>`), what every CMEK field takes."""
        return self.keys[purpose].id

    def ready(self, purpose: str) -> list[pulumi.Resource]:
        """The key and its service-agent grants: what a resource encrypted with it must wait for."""
        return [self.keys[purpose], *self.grants[purpose]]
