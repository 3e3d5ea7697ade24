# Every target sets up what it needs: a fresh clone runs `make test` or `make demo` directly.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: help test demo synth scan lint bench serve aws-smoke constraints constraints-checkov clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# constraints.txt holds the exact versions the suite last passed on; every install uses it.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

# checkov has its own virtualenv: its pinned dependencies must not move .venv's (boto3, botocore).
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
$(CHECKOV_STAMP): requirements-checkov.txt constraints-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -c constraints-checkov.txt -r requirements-checkov.txt
	@touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

test: $(STAMP) $(CHECKOV_STAMP) node_modules/.installed ## Run the whole test suite (with checkov on the templates)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

demo: $(STAMP) ## Run the whole loop on the local cloud and write out/demo
	$(BIN)/shadowloop demo --out out/demo

synth: $(STAMP) node_modules/.installed ## Write cdk.out/ with cdk-nag checks, then cfn-lint it
	npx cdk synth --quiet --no-notices
	@# W3005: CDK adds DependsOn entries that a GetAtt already implies; harmless.
	$(BIN)/cfn-lint --ignore-checks W3005 --non-zero-exit-code error cdk.out/*.template.json
	$(MAKE) --no-print-directory scan

scan: $(CHECKOV_STAMP) ## checkov on cdk.out/ (run `make synth` first); every skip is reasoned in .checkov.yaml
	.ci/checkov cdk.out/*.template.json

lint: $(STAMP) ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP) ## The benchmarks in bench/
	$(BIN)/python bench/drift_bench.py
	$(BIN)/python bench/promotion_bench.py
	$(BIN)/python bench/api_bench.py
	$(BIN)/python bench/serve_bench.py
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/drift_bench.py --captures 100000 --per-request 10
	$(BIN)/python bench/capture_bench.py
	$(BIN)/python bench/validation_bench.py --rows 2000000

serve: $(STAMP) ## Serve the REST API on 127.0.0.1:8080
	$(BIN)/shadowloop serve --port 8080

aws-smoke: $(STAMP) node_modules/.installed ## Deploy, check and destroy a throwaway stage in your AWS account (ARGS=--dry-run|--yes)
	$(BIN)/shadowloop aws-smoke $(ARGS)

constraints: ## After changing pyproject.toml: resolve it in .venv and lock the result
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	{ echo '# The versions the suite passed on; regenerate with `make constraints`.'; \
	  $(BIN)/python -m pip freeze --exclude-editable; } > constraints.txt
	@touch $(STAMP)

constraints-checkov: ## After changing requirements-checkov.txt: resolve it in .venv-checkov and lock the result
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	{ echo '# The versions checkov last scanned with; regenerate with `make constraints-checkov`.'; \
	  $(CHECKOV_VENV)/bin/python -m pip freeze; } > constraints-checkov.txt
	@touch $(CHECKOV_STAMP)

clean:
	rm -rf cdk.out build out .pytest_cache
