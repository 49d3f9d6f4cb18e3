# Two entry points on a fresh machine with python3 and make:
#   make build   set up the virtual env, then `dbt build` on the embedded DuckDB warehouse
#   make test    set up the virtual env, then every test (pytest drives dbt too)
#   make test-spark  the SQL layer on Apache Spark (local pyspark, Java 17+), compared with DuckDB
#   make bench [SIZE=100k|1m|10m] [REPEATS=3]  the benchmark at scale (bench/README.md)
#   make notify [NOTIFY_ARGS=...]  send new incidents and SLO alerts, exactly once (after a build)
#   make eval-detector DATA=<folder>  the detector through dbt on labelled metrics, scored (robust and notebook)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
export DBT_DUCKDB_PATH ?= warehouse/oncall_analytics.duckdb
# A command-line value keeps its $, as DATA does (below): make DBT_DUCKDB_PATH='/tmp/wh$xyz/w.duckdb' built into
# /tmp/whyz/w.duckdb (operator trial). Recipes read it from the environment ($$DBT_DUCKDB_PATH), never as $(...).
override DBT_DUCKDB_PATH := $(value DBT_DUCKDB_PATH)
# The warehouse file as DuckDB opens it: a leading ~ is the home folder (a path given in quotes, or from a
# .env file, keeps its ~; mkdir and test -f would take it as a folder named ~)
WAREHOUSE_FILE = $${DBT_DUCKDB_PATH/\#\~/$$HOME}
# A variable's value as given, in single quotes for the shell: make expands $ in a command-line value
# (DATA='/data/nab$2' was read as /data/nab), so the recipe takes it unexpanded ($(value ...)).
shell_quoted = '$(subst ','\'',$(value $(1)))'
# make exports a command-line value to the recipes' environment, expanding it on the way: DATA='$(shell touch x)'
# ran the command (operator trial). DATA and the *_ARGS below are read only as $(value ...), so they are not
# exported (each *_ARGS after its default: an unexport before it counts as a definition, and the default was lost).
unexport DATA
# numpy sets and then deletes these variables on first import; two dbt threads
# importing it at once in Python models can collide (KeyError). Set it up front.
export OPENBLAS_MAIN_FREE ?= 1
export GOTOBLAS_MAIN_FREE ?= 1

.PHONY: setup build test docs report notify eval-detector lint clean lock setup-spark test-spark lock-spark bench

setup: $(VENV)/.installed

# The pinned requirements, then the project's own package (pyproject.toml,
# src/oncall_analytics) in editable mode: dbt's Python models, pytest and the
# command-line tools import it from src/, so an edit needs no reinstall.
# --no-compile: pip would compile every module of every package to bytecode (some
# 7,000 files in the Spark env), about half of each install's time here; Python
# compiles the modules a run imports, once, on first import (unless
# PYTHONDONTWRITEBYTECODE is set, as on this machine: then every run compiles them
# again, 1 to 1.5 s of an hourly run; README, Scheduled runs).
PIP_INSTALL = pip install --quiet --disable-pip-version-check --no-compile
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/$(PIP_INSTALL) -r requirements.txt
	$(BIN)/$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $@

# dbt build and docs open the warehouse file: a path they cannot open (a folder, another file, a warehouse in use) is one
# line here, not dbt-duckdb's traceback (its folder is created, as mkdir -p would)
PREPARE_WAREHOUSE = $(BIN)/python -m oncall_analytics.warehouse_file prepare -- "$(WAREHOUSE_FILE)"
# The query `make build` prints, the README's, quoted for the shell whatever the path holds
QUERY_HINT = $(BIN)/python -m oncall_analytics.warehouse_file query-hint -- "$$DBT_DUCKDB_PATH"

build: setup
	@$(PREPARE_WAREHOUSE)
	$(DBT) build
	@echo
	@echo "Results are in the DuckDB file $$DBT_DUCKDB_PATH (schemas: marts, intermediate, staging, raw, and expected: the shipped data's expected results)."
	@$(QUERY_HINT)

# The suite on TEST_WORKERS parallel workers (pytest-xdist), one test file per worker at a time:
# a file's shared builds (module fixtures) stay in one process; the slowest tests are listed at the end.
TEST_WORKERS ?= 2
test: setup
	$(BIN)/pytest python_checks -n $(TEST_WORKERS) --dist loadfile --durations=15

# The docs site (target/index.html, and target/static_index.html that opens from
# disk), then served on http://127.0.0.1:$(DOCS_PORT) until Ctrl-C.
DOCS_PORT ?= 8080
docs: setup
	@$(PREPARE_WAREHOUSE)
	$(DBT) docs generate --static
	$(DBT) docs serve --host 127.0.0.1 --port $(DOCS_PORT) --no-browser

# The on-call report (reports/oncall_report.py) from the warehouse; builds it first if missing.
report: setup
	@test -f "$(WAREHOUSE_FILE)" || $(MAKE) build
	$(BIN)/python reports/oncall_report.py --warehouse="$$DBT_DUCKDB_PATH" --out target/oncall_report.html

# Alert delivery (python -m oncall_analytics notify): new incidents, SLO burn-rate alerts and their
# resolutions, each once per destination (state in the warehouse). Run it after the build, not during
# it: DuckDB lets one process write the file. NOTIFY_ARGS picks the destinations, e.g.
#   make notify NOTIFY_ARGS="--webhook --jsonl target/notifications.jsonl"  (webhook URL in $$ONCALL_WEBHOOK_URL)
NOTIFY_ARGS ?= --stdout
unexport NOTIFY_ARGS
notify: setup
	$(BIN)/python -m oncall_analytics notify --warehouse="$$DBT_DUCKDB_PATH" $(value NOTIFY_ARGS)

# The benchmark (bench/README.md): synthetic logs of SIZE requests and invocations
# as Parquet, the whole project built on them, figures in target/bench/SIZE/report.md.
SIZE ?= 100k
REPEATS ?= 3
BENCH_ARGS ?=
unexport BENCH_ARGS
bench: setup
	$(BIN)/python bench/run_bench.py --size $(SIZE) --repeats $(REPEATS) $(BENCH_ARGS)

# The detector scored on labelled metrics (python -m oncall_analytics eval-detector): DATA is a folder in
# the nab_dev format (metrics.csv.gz, windows.json); the detector runs through dbt on it, robust and the
# notebook's rule side by side. EVAL_ARGS e.g. "--grain-minutes 5 --out target/eval.md".
EVAL_ARGS ?=
unexport EVAL_ARGS
eval-detector: setup
	@test -n $(call shell_quoted,DATA) || { echo "usage: make eval-detector DATA=<folder with metrics.csv.gz and windows.json> [EVAL_ARGS=...]" >&2; exit 2; }
	$(BIN)/python -m oncall_analytics eval-detector $(value EVAL_ARGS) -- $(call shell_quoted,DATA)

# SQL lint (sqlfluff with the dbt templater: .sqlfluff, .sqlfluffignore), Python lint (ruff.toml),
# then the metadata lint: dbt-score on the parsed project's target/manifest.json with the
# project's rules ([tool.dbt-score] in pyproject.toml, src/oncall_analytics/lint); any finding fails.
# sqlfluff lints on LINT_PROCESSES processes (two: 4 minutes here instead of 6; 3 min 20 s with its Rust parser,
# sqlfluffrs, which .sqlfluff turns on); its process pool leaves
# semaphores that multiprocessing's tracker reports at exit, harmlessly, so that report is silenced.
LINT_PROCESSES ?= 2
lint: setup
	@mkdir -p "$$(dirname "$(WAREHOUSE_FILE)")"
	PYTHONWARNINGS="ignore:resource_tracker:UserWarning" $(BIN)/sqlfluff lint --processes $(LINT_PROCESSES) models analyses
	$(BIN)/ruff check .
	$(DBT) parse --quiet
	$(BIN)/dbt-score lint

# Apache Spark: a second virtual env (dbt-spark + pyspark, ~500 MB), then the
# Spark checks: seeds, SQL models and their tests on Spark, every SQL mart
# equal to DuckDB's, and the Python models fed Spark DataFrames.
SPARK_VENV := .venv-spark
SPARK_BIN := $(SPARK_VENV)/bin

setup-spark: $(SPARK_VENV)/.installed

$(SPARK_VENV)/.installed: requirements-spark.txt pyproject.toml
	@java -version >/dev/null 2>&1 || { echo "make test-spark needs Java 17+ (java on the PATH)"; exit 1; }
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_BIN)/$(PIP_INSTALL) -r requirements-spark.txt
	$(SPARK_BIN)/$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $@

test-spark: setup-spark
	$(SPARK_BIN)/pytest python_checks/test_spark_parity.py python_checks/test_spark_python_models.py

clean:
	rm -rf target logs warehouse/*.duckdb warehouse/*.wal

lock:
	rm -rf /tmp/oncall-lock-venv && $(PYTHON) -m venv /tmp/oncall-lock-venv
	/tmp/oncall-lock-venv/bin/pip install --quiet -r requirements.in
	{ echo "# Full lock of requirements.in (pip freeze of a fresh venv). Regenerate with: make lock"; \
	  /tmp/oncall-lock-venv/bin/pip freeze --all --exclude pip; } > requirements.txt

lock-spark:
	rm -rf /tmp/oncall-lock-spark-venv && $(PYTHON) -m venv /tmp/oncall-lock-spark-venv
	/tmp/oncall-lock-spark-venv/bin/pip install --quiet -r requirements-spark.in
	{ echo "# Full lock of requirements-spark.in (pip freeze of a fresh venv). Regenerate with: make lock-spark"; \
	  /tmp/oncall-lock-spark-venv/bin/pip freeze --all --exclude pip; } > requirements-spark.txt
