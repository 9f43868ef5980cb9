"""`python -m user_space.runtime`: the container's entrypoint (settings from the environment)."""

from __future__ import annotations

import logging
import os
import sys

from user_space.runtime.run import Options, run


def main() -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    options = Options(
        namespace=os.environ.get("RUNTIME_NAMESPACE", Options.namespace),
        identity=os.environ.get("POD_NAME", ""),
        resync=float(os.environ.get("RESYNC_SECONDS", Options.resync)),
        workers=int(os.environ.get("WORKERS", Options.workers)),
        metrics_port=int(os.environ.get("METRICS_PORT", "8080")),
    )
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
