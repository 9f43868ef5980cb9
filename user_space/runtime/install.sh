#!/bin/sh
# Install the Resource runtime into the Python environment of $1 (a venv's python), from the repository root:
# the runtime's dependencies pinned by constraints.txt, then this distribution without its Pulumi dependencies.
# The Dockerfile runs exactly this; tests/integration/test_runtime_image.py runs it in a fresh venv.
set -eu
python="$1"
"$python" -m pip install --no-cache-dir --disable-pip-version-check --quiet \
    -c constraints.txt -r user_space/runtime/requirements.txt
"$python" -m pip install --no-cache-dir --disable-pip-version-check --quiet --no-deps .
# The image must start without the platform SDKs: fail the build if the entrypoint's imports pull one in.
"$python" - <<'PY'
import sys
import user_space.runtime.run  # noqa: F401 - the entrypoint's whole import graph
bad = sorted(m for m in sys.modules if m.split(".")[0] in {"pulumi", "pulumi_kubernetes", "pulumi_aws", "pulumi_gcp", "pulumi_azure_native"})
if bad:
    sys.exit(f"the runtime imports {bad}")
print("runtime installed:", sys.prefix)
PY
