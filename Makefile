# The two commands a newcomer needs: `make test` and `make demo` (see README).
# Only python3 (3.11) and make are required: uv is bootstrapped into .tools/ from PyPI and
# installs the exact versions in uv.lock into .venv/.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: install test lint browser simulators demo airflow bench bench-table bench-scheduler bi clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $$(command -v $(PYTHON))
	touch $@

# The warehouse DAG is rendered from dbt's manifest (Cosmos LoadMode.DBT_MANIFEST): re-parse whenever
# the dbt project changes, so the DAG never misses a model.
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f) \
	dbt_project/dbt_project.yml
dbt_project/target/manifest.json: $(VENV)/.installed $(DBT_SOURCES)
	cd dbt_project && CCHC_DATA_DIR=$(CURDIR)/data DBT_PROFILES_DIR=. DBT_SEND_ANONYMOUS_USAGE_STATS=false \
		../$(VENV)/bin/dbt parse --target-path target --quiet
	touch $@

install: $(VENV)/.installed dbt_project/target/manifest.json

lint: install
	$(VENV)/bin/ruff check .

# Headless Chromium for the browser tests (quality report, dashboards): Debian's package, installed with
# apt-get where it exists; elsewhere those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium fonts-dejavu-core >/dev/null) || echo "make browser: apt-get could not install chromium"; \
	else echo "make browser: no chromium and no apt-get as root: browser tests will skip"; fi

test: install lint browser
	CCHC_DEMO=1 $(VENV)/bin/pytest

simulators: install
	CCHC_DEMO=1 $(VENV)/bin/python -m simulators serve

# make demo [SCENARIO=simulators/scenarios/hoai-duc-2018.yaml] [DATA_DIR=/path]
SCENARIO ?= simulators/scenarios/tay-ho-2024q1.yaml
DATA_DIR ?= $(CURDIR)/data
demo: install
	CCHC_DEMO=1 CCHC_DATA_DIR=$(abspath $(DATA_DIR)) $(VENV)/bin/python -m pipeline.demo --scenario $(SCENARIO)

# make airflow [AIRFLOW_PORT=8080]: Airflow standalone (scheduler, DAG processor, API server/UI, triggerer
# on SQLite + LocalExecutor) with the project's DAGs, pool and connections; simulators separately.
# AIRFLOW_PORT moves the UI and the execution API together; AIRFLOW_WORKER_LOG_PORT (8793) and
# AIRFLOW_TRIGGER_LOG_PORT (8794) move the log servers for a second instance on the same machine.
AIRFLOW_PORT ?= 8080
export AIRFLOW_PORT
airflow: install
	CCHC_DEMO=1 CCHC_DATA_DIR=$(abspath $(DATA_DIR)) $(VENV)/bin/python -m pipeline.local_airflow

# make bench [SCALE=1m|10m|30m|20k] [OUT=.bench/SCALE] [SAMPLE=1m] [STAGES=build,gate,…] [REUSE_LANDING=DIR]:
# the whole pipeline at scale, writes OUT/bench.json and OUT/bench.md. At most SAMPLE dossiers are extracted
# over HTTP; the rest are key-rewritten copies. STAGES runs a subset on what OUT holds; REUSE_LANDING builds on an
# earlier run's landing zone (OUT/data/landing) instead of extracting. `make bench-table`: the README's
# per-scale table from every .bench/*/bench.json.
SCALE ?= 1m
OUT ?= .bench
SAMPLE ?= 1m
STAGES ?= extract,build,reference,gate,publish,incremental,ordinary_day,rebuild
BENCH_OUT = $(if $(filter command line environment,$(origin OUT)),$(OUT),.bench/$(SCALE))
bench: install
	CCHC_DEMO=1 $(VENV)/bin/python -m bench --scale $(SCALE) --out $(abspath $(BENCH_OUT)) --sample $(SAMPLE) \
		--stages $(STAGES) $(if $(REUSE_LANDING),--reuse-landing $(abspath $(REUSE_LANDING)))

bench-table: install
	$(VENV)/bin/python -m bench.table $(wildcard bench/results/*.json .bench/*/bench.json)

# make bench-scheduler [MODES=build,layers,cosmos,watcher] [DOSSIERS=2000] [REPEAT=1]: the warehouse DAG
# through the real scheduler per dbt mode vs one dbt build + gate + publish of the same data; prints the ratio.
MODES ?= build,layers,cosmos,watcher
DOSSIERS ?= 2000
REPEAT ?= 1
bench-scheduler: install
	CCHC_DEMO=1 $(VENV)/bin/python -m bench.scheduler --modes $(MODES) --dossiers $(DOSSIERS) --repeat $(REPEAT) --out $(abspath $(OUT))

# make bi [DATA_DIR=…] [BI_PORT=8088]: Superset 6.1 (own environment, SQLite metadata) with the CCHC dashboards
# (bi/superset/bundle) on the published warehouse of DATA_DIR; run `make demo` first.
BI_PORT ?= 8088
bi: install
	CCHC_DEMO=1 CCHC_DATA_DIR=$(abspath $(DATA_DIR)) $(VENV)/bin/python -m bi serve --port $(BI_PORT)

clean:
	rm -rf $(VENV) .tools data .bench
