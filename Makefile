# Sefton Understood: the two commands a newcomer needs are `make demo` and `make test`.
# Every other target is a step of those two, runnable on its own.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV := $(ROOT)/.venv
UV_VERSION := 0.13.9
UV := $(VENV)/bootstrap/bin/uv
PY_AIRFLOW := $(VENV)/airflow/bin/python
DBT := $(VENV)/dbt/bin/dbt
PY_SUPERSET := $(VENV)/superset/bin/python

export UNDERSTOOD_DATA_DIR ?= $(ROOT)/data
export UNDERSTOOD_WAREHOUSE_PATH ?= $(UNDERSTOOD_DATA_DIR)/warehouse/warehouse.next.duckdb
export UNDERSTOOD_DBT_EXECUTABLE := $(DBT)
export UV_PYTHON_DOWNLOADS := never
export PYTHONUNBUFFERED := 1

# Airflow runs from its own home under the data directory, on SQLite and the LocalExecutor.
export AIRFLOW_HOME ?= $(UNDERSTOOD_DATA_DIR)/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(ROOT)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION := False
export AIRFLOW__CORE__PARALLELISM := 4
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS := admin:admin
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE := $(AIRFLOW_HOME)/passwords.json
export AIRFLOW_PORT ?= 8080
export AIRFLOW__API__BASE_URL := http://localhost:$(AIRFLOW_PORT)
export AIRFLOW__API__PORT := $(AIRFLOW_PORT)
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL := http://localhost:$(AIRFLOW_PORT)/execution/
export AIRFLOW__LOGGING__LOGGING_LEVEL ?= WARNING
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export AIRFLOW__COSMOS__CACHE_DIR := $(AIRFLOW_HOME)/cosmos_cache
export DO_NOT_TRACK := 1
export SUPERSET_PORT ?= 8088
export SUPERSET_CONFIG_PATH := $(ROOT)/superset/superset_config.py

CREDENTIALS := $(UNDERSTOOD_DATA_DIR)/demo_credentials.env
RUN_DIR := $(UNDERSTOOD_DATA_DIR)/run
say = printf '\n\033[1m== %s\033[0m\n' "$(1)"

.PHONY: help demo test envs samples airflow-init dbt-parse nightly superset-init serve stop lint sql docs bench retention clean FORCE

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

demo: ## the main job: environments, samples, the nightly DAG, Superset and Airflow served
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory envs samples nightly superset-init serve; \
	$(call say,demo ready); \
	echo "  Superset (dashboards):  http://localhost:$(SUPERSET_PORT)/superset/dashboard/partnership-scorecard/"; \
	echo "                          and $$(( $$(ls $(ROOT)/superset/assets/dashboards/*.yaml | wc -l) - 1 )) more: http://localhost:$(SUPERSET_PORT)/dashboard/list/"; \
	echo "  Airflow  (pipeline):    http://localhost:$(AIRFLOW_PORT)/dags/sefton_nightly"; \
	echo "  Credentials:            $(CREDENTIALS)"; \
	grep -E '_(USER|PASSWORD)=' $(CREDENTIALS) | sed 's/^/    /'; \
	echo "  Warehouse (DuckDB):     $(UNDERSTOOD_DATA_DIR)/warehouse/warehouse.duckdb"; \
	echo "  Stop the servers:       make stop"; \
	echo "demo: pipeline run, warehouse published, Superset and Airflow serving, in $$(( $$(date +%s) - start )) s"

test: envs ## lint and the whole test suite (what CI runs)
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory lint; \
	$(call say,pytest); \
	$(PY_AIRFLOW) -m pytest; \
	echo "test: lint clean, pytest passed, in $$(( $$(date +%s) - start )) s"

$(UV):
	@$(call say,installing uv $(UV_VERSION) into .venv/bootstrap)
	@python3 -m venv $(VENV)/bootstrap
	@$(VENV)/bootstrap/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

envs: $(UV) ## create or update the three environments from uv.lock (airflow, dbt, superset)
	@$(call say,environments from uv.lock)
	@UV_PROJECT_ENVIRONMENT=$(VENV)/airflow $(UV) sync --frozen --quiet --group airflow
	@echo "  [1/3] .venv/airflow   Airflow 3.3, astronomer-cosmos, the ingestion package, test tools"
	@UV_PROJECT_ENVIRONMENT=$(VENV)/dbt $(UV) sync --frozen --quiet --only-group dbt
	@echo "  [2/3] .venv/dbt       dbt-core 1.11 with dbt-duckdb, sqlfluff"
	@UV_PROJECT_ENVIRONMENT=$(VENV)/superset $(UV) sync --frozen --quiet --only-group superset
	@echo "  [3/3] .venv/superset  Superset 6.1 with duckdb-engine"

samples: ## copy the bundled sample submissions into data/landing/
	@$(call say,bundled samples into the landing zone)
	@mkdir -p $(UNDERSTOOD_DATA_DIR)/landing
	@cd $(ROOT)/data/samples && find . -mindepth 3 -type f ! -name 'README.md' ! -path '*/__pycache__/*' | sort | while read -r f; do \
		mkdir -p "$(UNDERSTOOD_DATA_DIR)/landing/$$(dirname "$$f")"; \
		cp "$$f" "$(UNDERSTOOD_DATA_DIR)/landing/$$f"; echo "  landed $${f#./}"; done

# Demo credentials: generated once, kept across runs; keys added later are filled in on the next run.
define CREDENTIALS_PY
import pathlib, secrets, sys
path = pathlib.Path(sys.argv[1])
wanted = {
    "SUPERSET_ADMIN_USER": "admin", "SUPERSET_ADMIN_PASSWORD": 12,
    "SUPERSET_ANALYST_USER": "analyst", "SUPERSET_ANALYST_PASSWORD": 12,
    "SUPERSET_PARTNER_USER": "police_viewer", "SUPERSET_PARTNER_PASSWORD": 12,
    "AIRFLOW_ADMIN_USER": "admin", "AIRFLOW_ADMIN_PASSWORD": 12,
    "SUPERSET_SECRET_KEY": 32,
    "UNDERSTOOD_PSEUDONYMISATION_KEY": 48,
}
lines = path.read_text().splitlines() if path.exists() else []
have = {line.split("=", 1)[0] for line in lines if "=" in line}
added = [f"{k}={v if isinstance(v, str) else secrets.token_urlsafe(v)}"
         for k, v in wanted.items() if k not in have]
if added:
    path.write_text("\n".join(lines + added) + "\n")
    print(f"  demo credentials: {len(added)} generated in {path}")
endef
export CREDENTIALS_PY

$(CREDENTIALS): FORCE
	@mkdir -p $(dir $@)
	@umask 077; $(PY_AIRFLOW) -c "$$CREDENTIALS_PY" $@
	@chmod 600 $@

FORCE:

airflow-init: $(CREDENTIALS) ## migrate Airflow's metadata database and write the admin password
	@$(call say,Airflow metadata database)
	@mkdir -p $(AIRFLOW_HOME)
	@set -a; source $(CREDENTIALS); set +a; umask 077; \
	printf '{"%s": "%s"}\n' "$$AIRFLOW_ADMIN_USER" "$$AIRFLOW_ADMIN_PASSWORD" > $(AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE)
	@$(VENV)/airflow/bin/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || { tail -20 $(AIRFLOW_HOME)/db-migrate.log; exit 1; }
	@echo "  $(AIRFLOW_HOME)/airflow.db migrated"

dbt-parse: ## write dbt's manifest.json, which the DAG reads instead of running dbt at parse time
	@$(call say,dbt parse)
	@cd $(ROOT)/dbt_project && $(DBT) parse --quiet --profiles-dir . --project-dir . --profile sefton_understood --target warehouse && echo "  dbt_project/target/manifest.json written"

nightly: airflow-init dbt-parse ## run the nightly DAG once on what is in data/landing/ (FULL=1: build every model from empty)
	@$(call say,nightly DAG: airflow dags test sefton_nightly (full log: $(AIRFLOW_HOME)/nightly.log))
	@start=$$(date +%s); set -a; source $(CREDENTIALS); set +a; \
	if $(PY_AIRFLOW) -c "import urllib.request; urllib.request.urlopen('http://localhost:$(SUPERSET_PORT)/health', timeout=3)" 2> /dev/null; then \
		export AIRFLOW_CONN_SUPERSET_DEFAULT="{\"conn_type\": \"http\", \"host\": \"localhost\", \"port\": $(SUPERSET_PORT), \"login\": \"$$SUPERSET_ADMIN_USER\", \"password\": \"$$SUPERSET_ADMIN_PASSWORD\"}"; \
		echo "  Superset serves on port $(SUPERSET_PORT): after the publish it drops its cache of the tables that changed"; \
	fi; \
	UNDERSTOOD_FULL_BUILD=$(FULL) AIRFLOW__LOGGING__LOGGING_LEVEL=INFO $(VENV)/airflow/bin/airflow dags test sefton_nightly 2>&1 | tee $(AIRFLOW_HOME)/nightly.log | sed -unE \
		-e 's/.*\[DAG TEST\] starting task_id=([^ ]+) map_index=-1 .*/  running \1/p' \
		-e 's/.*\[DAG TEST\] starting task_id=([^ ]+) map_index=([0-9]+) .*/  running \1 [\2]/p' \
		-e 's/.*(ingest: [0-9]+ accepted.*[^ ]) +\[ingestion\].*/    \1/p' \
		-e 's/.*(\[[0-9]+\/[0-9]+\] [^ ]+\/[^ ]+: (accepted|rejected|duplicate).*[^ ]) +\[ingestion\].*/    \1/p' \
		-e 's/.*(Superset: [0-9]+ dataset.*[^ ]) +\[ingestion.*/    \1/p' \
		-e 's/.*Task failed with exception.*/    TASK FAILED: see the log/p' \
		-e 's/.*DagRun Finished.*run_duration=([0-9.]+), state=([a-z]+).*/  dag run \2 after \1 s/p' \
	|| { echo "nightly: FAILED after $$(( $$(date +%s) - start )) s; the published warehouse is unchanged; log: $(AIRFLOW_HOME)/nightly.log"; exit 1; }; \
	$(PY_AIRFLOW) -m ingestion contracts; \
	echo "nightly: warehouse published to $(UNDERSTOOD_DATA_DIR)/warehouse/warehouse.duckdb in $$(( $$(date +%s) - start )) s"

superset-init: $(CREDENTIALS) ## Superset metadata, admin user and the dashboards from superset/assets
	@$(call say,Superset metadata and assets)
	@set -a; source $(CREDENTIALS); set +a; $(PY_SUPERSET) $(ROOT)/superset/bootstrap.py init

serve: $(CREDENTIALS) ## start Superset (8088) and the Airflow UI (8080) in the background
	@$(call say,serving)
	@mkdir -p $(RUN_DIR)
	@set -a; source $(CREDENTIALS); set +a; $(PY_SUPERSET) $(ROOT)/superset/bootstrap.py serve --port $(SUPERSET_PORT)
	@# No scheduler here: the demo runs the DAG when asked (make nightly), never behind your back.
	@# Production runs the scheduler (docker-compose.yml).
	@for svc in api-server dag-processor; do \
		if [ -f $(RUN_DIR)/airflow-$$svc.pid ] && kill -0 $$(cat $(RUN_DIR)/airflow-$$svc.pid) 2>/dev/null; then \
			echo "  airflow $$svc already running"; continue; fi; \
		args=$$svc; [ $$svc = api-server ] && args="api-server --port $(AIRFLOW_PORT)"; \
		nohup setsid $(VENV)/airflow/bin/airflow $$args > $(RUN_DIR)/airflow-$$svc.log 2>&1 & echo $$! > $(RUN_DIR)/airflow-$$svc.pid; \
		echo "  airflow $$svc started (log $(RUN_DIR)/airflow-$$svc.log)"; done
	@printf '  waiting for Airflow on :$(AIRFLOW_PORT)'; for i in $$(seq 1 90); do \
		curl -fs http://localhost:$(AIRFLOW_PORT)/api/v2/monitor/health > /dev/null && { echo ' up'; exit 0; }; printf '.'; sleep 2; done; \
		echo ' not answering'; tail -20 $(RUN_DIR)/airflow-api-server.log; exit 1

stop: ## stop the servers started by make demo / make serve
	@for f in $(RUN_DIR)/*.pid $(UNDERSTOOD_DATA_DIR)/superset/*.pid; do [ -f "$$f" ] || continue; \
		pid=$$(cat "$$f"); name=$$(basename "$$f" .pid); \
		kill -TERM -- -$$pid 2>/dev/null || kill -TERM $$pid 2>/dev/null || true; \
		for i in $$(seq 1 30); do kill -0 $$pid 2>/dev/null || break; sleep 1; done; \
		kill -KILL -- -$$pid 2>/dev/null || true; rm -f "$$f"; echo "  stopped $$name"; done
	@echo "stop: servers stopped"

lint: ## ruff (Python) and sqlfluff with the dbt templater (SQL)
	@$(call say,lint)
	@$(VENV)/airflow/bin/ruff check $(ROOT) && $(VENV)/airflow/bin/ruff format --check $(ROOT)
	@cd $(ROOT)/dbt_project && $(VENV)/dbt/bin/sqlfluff lint models --processes 2 --disable-progress-bar
	@echo "  ruff and sqlfluff clean"

sql: ## read-only SQL shell on the published warehouse (ARGS='-c "select 1"' or ARGS=file.sql)
	@$(PY_AIRFLOW) $(ROOT)/superset/sql_shell.py $(ARGS)

bench: ## run every benchmark; results in benchmarks/results/latest.json and a table
	@$(call say,benchmarks)
	@$(PY_AIRFLOW) $(ROOT)/benchmarks/run_all.py

retention: ## delete archived, raw and quarantined files past their contract's retention
	@$(PY_AIRFLOW) -m ingestion retention

DOCS_PORT ?= 8081
docs: ## dbt docs built offline from a copy of the published warehouse, served on http://localhost:8081
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	[ ! -f $(UNDERSTOOD_DATA_DIR)/warehouse/warehouse.duckdb ] || cp $(UNDERSTOOD_DATA_DIR)/warehouse/warehouse.duckdb $$tmp/; \
	cd $(ROOT)/dbt_project && UNDERSTOOD_WAREHOUSE_PATH=$$tmp/warehouse.duckdb $(DBT) docs generate --static --quiet --profiles-dir . --project-dir .
	@echo "docs: dbt_project/target/static_index.html, serving on http://localhost:$(DOCS_PORT) (Ctrl-C to stop)"
	@$(PY_AIRFLOW) -m http.server $(DOCS_PORT) --bind 127.0.0.1 --directory $(ROOT)/dbt_project/target

clean: stop ## remove everything generated under data/ (keeps data/samples)
	@cd $(UNDERSTOOD_DATA_DIR) && rm -rf landing archive manifests quarantine raw incidents catalogue reports warehouse airflow superset run .locks demo_credentials.env
	@echo "clean: data/ reset to the bundled samples"
