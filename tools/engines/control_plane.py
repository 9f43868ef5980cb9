"""A local Kubernetes control plane from the engines `make engines` builds: etcd, kube-apiserver and
kube-controller-manager on loopback ports, with TLS, RBAC, the PodSecurity and NamespaceLifecycle admission
plugins and service-account tokens. There is no kubelet: pods are admitted (and Pod Security enforced), never run.

`make cluster` / `make cluster-down` drive it through this file's command line; the end-to-end tests import
`ControlPlane` and start a throwaway one per session. Standard library only (and `openssl` for the keys), so it
runs before any virtualenv exists.

    python3 tools/engines/control_plane.py up   [--dir .engines/cluster] [--kubeconfig .engines/kubeconfig]
    python3 tools/engines/control_plane.py down [--dir .engines/cluster]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = ROOT / ".engines" / "bin"
BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kubectl")
SERVICE_CIDR = "10.96.0.0/16"
ADMIN_USER = "cloud-kernel-admin"
CONTROLLER_MANAGER_USER = "system:kube-controller-manager"
# The engines collect garbage at 4x their live heap instead of Go's default 2x: a local plane trades a few hundred
# MB for about a fifth less CPU (the API server's own profile: a fifth of its CPU was the collector). A GOGC in the
# caller's environment wins.
ENGINE_GOGC = "400"


class ControlPlaneError(Exception):
    """The control plane could not start; the message names the component and the end of its log."""


def engines_bin() -> Path:
    return Path(os.environ.get("ENGINES_BIN", DEFAULT_BIN))


def missing_binaries(bin_dir: Path | None = None) -> list[str]:
    """Engines not built yet (empty when the control plane can start)."""
    bin_dir = bin_dir or engines_bin()
    return [name for name in BINARIES if not os.access(bin_dir / name, os.X_OK)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise ControlPlaneError(f"openssl {args[0]} failed: {result.stderr.strip()}")


def make_pki(pki: Path) -> None:
    """A CA, the API server's serving certificate (loopback and in-cluster names) and the service-account key."""
    pki.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "30",
             "-subj", "/CN=cloud-kernel-local-ca", cwd=pki)
    san = ("subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
           "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "apiserver.key", "-out", "apiserver.csr",
             "-subj", "/CN=kube-apiserver", cwd=pki)
    (pki / "ext.cnf").write_text(san + "\nextendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "apiserver.crt", "-days", "30", "-extfile", "ext.cnf", cwd=pki)
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=pki)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)


def kubeconfig_text(server: str, ca_file: Path, token: str, user: str) -> str:
    """A kubeconfig (JSON is valid YAML) with the CA inline, so it works from any directory."""
    ca = base64.b64encode(ca_file.read_bytes()).decode()
    return json.dumps({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "local", "cluster": {"server": server, "certificate-authority-data": ca}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": "local", "context": {"cluster": "local", "user": user}}],
        "current-context": "local",
    }, indent=2) + "\n"


@dataclass
class ControlPlane:
    """One control plane in `base` (its data, keys, logs and pid files). `start()` waits for /readyz."""

    base: Path
    kubeconfig: Path
    bin_dir: Path = field(default_factory=engines_bin)
    port: int = 0
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> ControlPlane:
        missing = missing_binaries(self.bin_dir)
        if missing:
            raise ControlPlaneError(f"engines not built: {', '.join(missing)} (run `make engines`)")
        if (self.base / "pids.json").exists():
            raise ControlPlaneError(f"a control plane already runs from {self.base} (run `make cluster-down`)")
        self.base.mkdir(parents=True, exist_ok=True)
        pki, logs = self.base / "pki", self.base / "logs"
        logs.mkdir(exist_ok=True)
        make_pki(pki)
        admin_token, kcm_token = _token(), _token()
        (pki / "tokens.csv").write_text(
            f'{admin_token},{ADMIN_USER},{ADMIN_USER},"system:masters"\n'
            f"{kcm_token},{CONTROLLER_MANAGER_USER},{CONTROLLER_MANAGER_USER}\n"
        )
        etcd_port, peer_port, self.port = free_port(), free_port(), free_port()
        try:
            self._spawn("etcd", [
                "--name=local", f"--data-dir={self.base / 'etcd'}",
                f"--listen-client-urls=http://127.0.0.1:{etcd_port}",
                f"--advertise-client-urls=http://127.0.0.1:{etcd_port}",
                f"--listen-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-cluster=local=http://127.0.0.1:{peer_port}",
                "--unsafe-no-fsync", "--log-level=warn",
            ])
            self._spawn("kube-apiserver", [
                f"--etcd-servers=http://127.0.0.1:{etcd_port}",
                "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={self.port}",
                f"--tls-cert-file={pki / 'apiserver.crt'}", f"--tls-private-key-file={pki / 'apiserver.key'}",
                f"--client-ca-file={pki / 'ca.crt'}", f"--token-auth-file={pki / 'tokens.csv'}",
                "--authorization-mode=RBAC", "--anonymous-auth=false",
                "--enable-admission-plugins=NamespaceLifecycle,PodSecurity,ServiceAccount,LimitRanger,ResourceQuota,"
                "DefaultStorageClass,MutatingAdmissionWebhook,ValidatingAdmissionWebhook",
                "--allow-privileged=true",  # privileged pods are refused by Pod Security, not by this switch
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={pki / 'sa.pub'}",
                f"--service-account-signing-key-file={pki / 'sa.key'}",
                "--api-audiences=https://kubernetes.default.svc.cluster.local",
                "--endpoint-reconciler-type=none",
            ])
            self._wait_ready(admin_token, time.monotonic() + timeout)
            kcm_kubeconfig = self.base / "controller-manager.kubeconfig"
            kcm_kubeconfig.write_text(kubeconfig_text(self.server, pki / "ca.crt", kcm_token, CONTROLLER_MANAGER_USER))
            self._spawn("kube-controller-manager", [
                f"--kubeconfig={kcm_kubeconfig}",
                f"--authentication-kubeconfig={kcm_kubeconfig}", f"--authorization-kubeconfig={kcm_kubeconfig}",
                "--bind-address=127.0.0.1", f"--secure-port={free_port()}",
                f"--service-account-private-key-file={pki / 'sa.key'}", f"--root-ca-file={pki / 'ca.crt'}",
                "--use-service-account-credentials=true", "--leader-elect=false",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                f"--cert-dir={self.base / 'kcm-certs'}",
            ])
        except BaseException:
            self.stop(remove=False)
            raise
        self.kubeconfig.parent.mkdir(parents=True, exist_ok=True)
        self.kubeconfig.write_text(kubeconfig_text(self.server, pki / "ca.crt", admin_token, ADMIN_USER))
        self.kubeconfig.chmod(0o600)
        (self.base / "pids.json").write_text(json.dumps({n: p.pid for n, p in self.processes.items()}))
        return self

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.base / "logs" / f"{name}.log", "wb")  # noqa: SIM115 - the child owns it
        self.processes[name] = subprocess.Popen(
            [str(self.bin_dir / name), *args], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={"GOGC": ENGINE_GOGC, **os.environ},
        )

    def _wait_ready(self, token: str, deadline: float) -> None:
        context = ssl.create_default_context(cafile=str(self.base / "pki" / "ca.crt"))
        request = urllib.request.Request(f"{self.server}/readyz", headers={"Authorization": f"Bearer {token}"})
        last = ""
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise ControlPlaneError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")
            try:
                with urllib.request.urlopen(request, context=context, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError as exc:
                last = str(exc)
            time.sleep(0.5)
        raise ControlPlaneError(f"kube-apiserver not ready in time ({last}):\n{self.log_tail('kube-apiserver')}")

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.base / "logs" / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self, remove: bool = True) -> None:
        """Stop every process (controller manager first, etcd last) and, by default, remove the data."""
        pids = {name: proc.pid for name, proc in self.processes.items()}
        if not pids and (self.base / "pids.json").exists():
            pids = json.loads((self.base / "pids.json").read_text())
        for name in reversed(list(pids)):
            _terminate(pids[name], self.processes.get(name))
        self.processes.clear()
        (self.base / "pids.json").unlink(missing_ok=True)
        if remove:
            shutil.rmtree(self.base, ignore_errors=True)
            self.kubeconfig.unlink(missing_ok=True)


def _token() -> str:
    return base64.urlsafe_b64encode(os.urandom(24)).decode().rstrip("=")


def _terminate(pid: int, proc: subprocess.Popen | None, grace: float = 10.0) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if proc is not None:
            if proc.poll() is not None:
                return
        else:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if proc is not None:
        proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="control_plane.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "down"])
    parser.add_argument("--dir", type=Path, default=ROOT / ".engines" / "cluster")
    parser.add_argument("--kubeconfig", type=Path, default=ROOT / ".engines" / "kubeconfig")
    args = parser.parse_args(argv)
    plane = ControlPlane(base=args.dir.resolve(), kubeconfig=args.kubeconfig.resolve())
    if args.command == "down":
        plane.stop()
        print(f"control plane stopped; {args.dir} removed")
        return 0
    try:
        plane.start()
    except ControlPlaneError as exc:
        print(f"control plane: {exc}", file=sys.stderr)
        return 1
    print(f"control plane ready at {plane.server}; kubeconfig: {plane.kubeconfig}")
    print(f"  export KUBECONFIG={plane.kubeconfig}; stop it with `make cluster-down`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
