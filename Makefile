# Two commands: `make plan` and `make test`. Each bootstraps .venv itself on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STACK  ?= dev-aws

.PHONY: plan test golden schemas clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

plan: $(STAMP)
	$(BIN)/kernelctl plan --stack $(STACK)

test: $(STAMP)
	@# pytest exits 5 when it collects no test: that is not a failure; every other non-zero code is.
	$(BIN)/python -m pytest -q; rc=$$?; if [ $$rc -eq 5 ]; then echo 'pytest: no tests collected'; exit 0; fi; exit $$rc

# Regenerate checked-in generated files (stack schema, CRDs, JSON schemas, compiler goldens).
schemas: $(STAMP)
	$(BIN)/kernelctl config schema --out stacks/schema.json
	$(BIN)/kernelctl crds --out user_space/crds
	$(BIN)/kernelctl schemas --out user_space/schemas

# Refresh the compiler's golden files (tests/golden/<type>/<case>.expected.yaml); review the diff after.
golden: $(STAMP)
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/golden

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
