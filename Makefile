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
	$(BIN)/python -m pytest -q

# Regenerate checked-in generated files (stack schema, CRDs, JSON schemas, compiler goldens).
schemas: $(STAMP)
	$(BIN)/kernelctl config schema --out stacks/schema.json

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
