# Two commands: `make plan` and `make test`. Each bootstraps .venv itself on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STACK  ?= dev-aws

ENGINES := .engines/bin
KUBECTL := $(ENGINES)/kubectl --kubeconfig .engines/kubeconfig
SHARED_CRDS ?= ../shared/schemas/crds

.PHONY: plan test golden schemas clean engines cluster cluster-down up preview destroy

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

plan: $(STAMP)
	$(BIN)/kernelctl plan --stack $(STACK)

# checkov (the hardening test's scanner) lives in its own venv: its pinned dependencies clash with ours.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

$(CHECKOV_STAMP): tools/checkov/constraints.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c tools/checkov/constraints.txt checkov
	touch $(CHECKOV_STAMP)

# One pytest-xdist worker per core, a test module at a time (loadscope): a module's fixtures are set up once; the
# longest modules first (tests/conftest.py).
PYTEST_WORKERS ?= auto

# Bytecode is cached under the venv, outside the source tree, also where the environment says not to write it
# (PYTHONDONTWRITEBYTECODE): every worker and every CLI, runtime and Pulumi-program process of the tests would
# otherwise compile the project again, and pytest rewrite every test module's asserts again (half of collection).
PYCACHE := $(CURDIR)/$(VENV)/pycache

test: $(STAMP) $(CHECKOV_STAMP)
	@# pytest exits 5 when it collects no test: that is not a failure; every other non-zero code is.
	env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(PYCACHE) \
	  CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo 'pytest: no tests collected'; exit 0; fi; exit $$rc

# Regenerate checked-in generated files (stack schema, CRDs, JSON schemas, compiler goldens).
schemas: $(STAMP)
	$(BIN)/kernelctl config schema --out stacks/schema.json
	$(BIN)/kernelctl crds --out user_space/crds
	$(BIN)/kernelctl schemas --out user_space/schemas

# Refresh the compiler's golden files (tests/golden/<type>/<case>.expected.yaml); review the diff after.
golden: $(STAMP)
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/golden

# The real engines (kube-apiserver, etcd, kube-controller-manager, kubectl, pulumi, pulumi-resource-kubernetes),
# built from the Go modules pinned in tools/engines/*/go.mod into .engines/bin.
engines:
	tools/engines/build.sh

# A local control plane on loopback (no kubelet) with .engines/kubeconfig; the CloudNativePG CRDs the local stack
# needs are installed from ../shared when it is there.
cluster: engines
	python3 tools/engines/control_plane.py up
	if [ -d $(SHARED_CRDS)/cloudnative-pg ]; then $(KUBECTL) apply --server-side -f $(SHARED_CRDS)/cloudnative-pg; fi

cluster-down:
	python3 tools/engines/control_plane.py down

# A real `pulumi up` / `preview` / `destroy` of STACK (use STACK=local against `make cluster`).
up preview destroy: $(STAMP) engines
	$(BIN)/python tools/engines/pulumi_stack.py $@ --stack $(STACK)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache build *.egg-info
	@echo 'engines are kept: rm -rf .engines to remove them (and the local cluster state)'
