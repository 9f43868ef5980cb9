"""The runtime's health and metrics endpoint (`/healthz`, `/metrics` in Prometheus' text format), served by
every replica, leader or standby, so probes and the ServiceMonitor see both."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reconciles: dict[str, int] = {}  # outcome phase -> count
        self.seconds_sum = 0.0
        self.leader = 0
        self.resources = 0

    def observe(self, phase: str, seconds: float) -> None:
        with self._lock:
            self.reconciles[phase] = self.reconciles.get(phase, 0) + 1
            self.seconds_sum += seconds

    def text(self) -> str:
        with self._lock:
            lines = ["# HELP cloud_kernel_runtime_reconciles_total Reconciles by resulting status.",
                     "# TYPE cloud_kernel_runtime_reconciles_total counter"]
            lines += [f'cloud_kernel_runtime_reconciles_total{{status="{p}"}} {n}'
                      for p, n in sorted(self.reconciles.items())]
            lines += ["# HELP cloud_kernel_runtime_reconcile_seconds_total Time spent reconciling.",
                      "# TYPE cloud_kernel_runtime_reconcile_seconds_total counter",
                      f"cloud_kernel_runtime_reconcile_seconds_total {self.seconds_sum:.6f}",
                      "# HELP cloud_kernel_runtime_leader 1 on the replica holding the Lease.",
                      "# TYPE cloud_kernel_runtime_leader gauge",
                      f"cloud_kernel_runtime_leader {self.leader}",
                      "# HELP cloud_kernel_runtime_resources Resources known to the runtime.",
                      "# TYPE cloud_kernel_runtime_resources gauge",
                      f"cloud_kernel_runtime_resources {self.resources}"]
        return "\n".join(lines) + "\n"


def serve(metrics: Metrics, port: int, host: str = "0.0.0.0") -> ThreadingHTTPServer:  # noqa: S104 - in a pod
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path == "/healthz":
                body, ctype = b"ok\n", "text/plain"
            elif self.path == "/metrics":
                body, ctype = metrics.text().encode(), CONTENT_TYPE
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            return

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
