"""Shared fixtures: build the dbt project once into a throw-away DuckDB file,
and load Python model files as plain modules so their functions can be tested."""
from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dbt_process
import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))
# compiled and parsed Jinja templates, and the schema checks that passed, shared by every dbt run of the tests
# (jinja_code_cache, dbt_validation_cache: keyed by content, so a changed file is compiled and checked again,
# and the folder can outlive a session)
DBT_RUN_CACHES = PROJECT_DIR / "target" / "pytest-dbt-caches"


# The commands run for their JSON artifacts (manifest.json, catalog.json, sources.json; retry reads run_results.json).
ARTIFACT_COMMANDS = {"parse", "docs", "source", "retry"}
ARTIFACTS = ("manifest.json", "semantic_manifest.json", "run_results.json", "catalog.json", "sources.json")


def run_dbt(args: list[str], warehouse: Path, check: bool = True, cwd: Path = PROJECT_DIR,
            artifacts: bool | None = None) -> subprocess.CompletedProcess:
    """Run dbt against `warehouse` (its command line, forked from a process that has imported it: dbt_process);
    with check=True any dbt error fails the test with dbt's log.

    dbt's JSON artifacts are written when the test reads them: artifacts=True, or one of ARTIFACT_COMMANDS.
    Otherwise the run has --no-write-json (DBT_WRITE_JSON): a run writes manifest.json twice, about 2.4 s of a
    core, and most tests read the warehouse and dbt's output, not the artifacts. Those an earlier run left in
    the target folder are removed first, so that a test that reads one by mistake fails, never reads a stale one."""
    # OPENBLAS_MAIN_FREE: see the Makefile (numpy's import race between dbt threads)
    env = {**os.environ, "DBT_DUCKDB_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "OPENBLAS_MAIN_FREE": os.environ.get("OPENBLAS_MAIN_FREE", "1"),
           "GOTOBLAS_MAIN_FREE": os.environ.get("GOTOBLAS_MAIN_FREE", "1")}
    if cwd == PROJECT_DIR and "--target-path" not in args:
        # one target folder per pytest-xdist worker: dbt writes its manifest, partial-parse state
        # and run results there, and two workers' runs in the project must not share them (a
        # project copy is a test's own)
        env["DBT_TARGET_PATH"] = str(PROJECT_DIR / "target" / f"pytest-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    if not (artifacts if artifacts is not None else args[0] in ARTIFACT_COMMANDS):
        env["DBT_WRITE_JSON"] = "false"
        target = Path(args[args.index("--target-path") + 1]) if "--target-path" in args else Path(env.get("DBT_TARGET_PATH", cwd / "target"))
        for name in ARTIFACTS:
            (cwd / target / name).unlink(missing_ok=True)
    result = dbt_process.run([*args, "--project-dir", str(cwd), "--profiles-dir", str(PROJECT_DIR)], env, cwd, DBT_RUN_CACHES)
    if check and result.returncode != 0:
        pytest.fail(f"dbt {' '.join(args)} failed (exit {result.returncode}):\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}")
    return result


# The longest test files, started first, longest first. `make test` runs files whole on two workers (--dist
# loadfile): a long file handed out near the end (the README's commands, about 7 minutes alone) ran on one
# worker while the other had nothing left. The list is the files over about 50 s of a worker in a profiled
# run (pytest --junitxml, times summed per file), in that order; other files keep their (alphabetical) order.
# pytest-xdist 3.8 would sort the files again, by their number of tests (--loadscope-reorder, its default),
# which put a file of one or four long tests last: that is turned off here, whatever the command line.
LONGEST_FILES_FIRST = ["test_readme_commands.py", "test_hostile_vars.py", "test_eval_detector.py", "test_incremental_runs.py",
                       "test_detection_marts.py", "test_slo_definitions.py", "test_tsg_vars.py", "test_notify.py",
                       "test_slo_incremental.py", "test_hostile_writer_types.py", "test_external_logs.py",
                       "test_hostile_freshness.py", "test_hostile_column_names.py", "test_detection_unseen.py",
                       "test_detection_grain.py", "test_hostile_text_logs.py", "test_log_written_while_read.py",
                       "test_tsg_root_causes.py", "test_detection_silent_service.py", "test_serverless_vars.py"]


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.option, "loadscopereorder"):   # pytest-xdist installed
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: index for index, name in enumerate(LONGEST_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))   # stable: a file's tests stay together, in order


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory) -> Path:
    """The whole project built (`dbt build`: seeds, models, data and unit tests) into a temp file, this
    worker's own. Under pytest-xdist the first worker to ask builds it once for all (the others wait on a
    lock, then copy it: a build is a minute of both cores); each has its own file, because some tests run
    dbt on it, which opens it for writing, and DuckDB lets no other process open a file held so."""
    warehouse = tmp_path_factory.mktemp("warehouse") / "oncall_analytics.duckdb"
    if "PYTEST_XDIST_WORKER" not in os.environ:
        run_dbt(["build"], warehouse)
        return warehouse
    shared = tmp_path_factory.getbasetemp().parent / "shared_build"   # one folder per session, for all its workers
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # released when the file closes, also when the build fails the test
        if not (shared / "built").exists():
            run_dbt(["build"], shared / warehouse.name)
            (shared / "built").touch()
    shutil.copy(shared / warehouse.name, warehouse)
    return warehouse


@pytest.fixture(scope="session")
def reference_warehouse(tmp_path_factory) -> Path:
    """The project's seeds and models built on DuckDB, without its data and unit tests: what the Spark checks
    (make test-spark) compare with. `make test` runs those tests; here they would only run again."""
    warehouse = tmp_path_factory.mktemp("reference") / "oncall_analytics.duckdb"
    run_dbt(["build", "--exclude-resource-type", "test", "unit_test"], warehouse)
    return warehouse


@pytest.fixture(scope="session")
def parsed_manifest_path(tmp_path_factory) -> Path:
    """manifest.json of `dbt parse` in the default (seeds) mode: metadata only, no warehouse built."""
    target = tmp_path_factory.mktemp("parsed_target")
    run_dbt(["parse", "--no-partial-parse", "--target-path", str(target)], target / "unused.duckdb")
    return target / "manifest.json"


@pytest.fixture(scope="session")
def query(built_warehouse):
    """query(sql) -> list of tuples, read-only against the built warehouse."""
    def _query(sql: str, params=None):
        with duckdb.connect(str(built_warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()
    return _query


def load_model_module(relative_path: str):
    """Import a dbt Python model file (models/...py) as a module, without dbt."""
    path = PROJECT_DIR / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
