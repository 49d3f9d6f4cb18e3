"""Hostile vars: every var that reaches SQL text is validated or quoted. A
logs_path that tries to leave its string literal is refused before any SQL
runs (the table it would create is never created), as are control
characters and glob characters nobody asked for; numbers that read as
infinity or overflow, dates in year 0001 and absurd lookbacks fail at
compile time naming the var and the accepted form. A var the project does
not declare (a typo) stops the run; so does a log folder without Parquet
files, and an incremental run that would append another input's rows."""
from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import PROJECT_DIR, run_dbt
from hostile import external_vars, rows, run_dbt_concurrently, write_parquet

FIXTURES = Path(__file__).parent / "fixtures"

INVOCATION = ("select 'x1' as invocation_id, 'f' as function_name, 1 as version_id, timestamp '2024-03-12 09:00:00' as start_timestamp,"
              " timestamp '2024-03-12 09:00:01' as end_timestamp, 10.0 as duration_ms, 64.0 as memory_used_mb, 'SUCCESS' as status")
STAGING = ["+stg_serverless__function_invocations", "+stg_serverless__function_invocations_quarantine", "source:serverless",
           "--exclude", "test_type:unit", "tag:shipped_data"]


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile_vars") / "logs"
    write_parquet(folder, "function_invocations", INVOCATION)
    return folder


def _tables(warehouse):
    if not warehouse.exists():
        return set()
    return {name for name, in rows(warehouse, "select table_name from information_schema.tables")}


def build_staging_of(tmp_path, kinds) -> list:
    """The staging build of each kind's logs, <tmp_path>/<kind>/logs, into its own warehouse, concurrently."""
    return run_dbt_concurrently([
        (["build", "-s", *STAGING, "--target-path", str(tmp_path / kind / "target"), "--vars", external_vars(tmp_path / kind / "logs")],
         tmp_path / kind / "w.duckdb") for kind in kinds])


def test_sql_in_logs_path_never_runs(logs, tmp_path):
    payload = f"{logs}'); create table main.pwned as select 1; select * from read_parquet('{logs}"
    commands = {"build": ["build", "-s", *STAGING], "freshness": ["source", "freshness", "-s", "source:serverless"],
                "source test": ["test", "-s", "source:serverless"]}
    results = run_dbt_concurrently([
        ([*command, "--vars", external_vars(logs, logs_path=payload), "--target-path", str(tmp_path / name / "target")],
         tmp_path / name / "w.duckdb") for name, command in commands.items()])
    for name, result in zip(commands, results):
        assert result.returncode != 0, name
        assert "Invalid var 'logs_path'" in result.stdout, name
        assert "pwned" not in _tables(tmp_path / name / "w.duckdb"), name


def test_control_braces_and_unmeant_globs_in_logs_path_are_refused(logs, tmp_path):
    # a URL (DuckDB would download an extension); a backslash: DuckDB's glob finds nothing below it
    bad_paths = [f"{logs}\n", f"{logs}/*", f"{logs}/../l?gs", f"{logs}/{{name}}", "http://127.0.0.1:9/logs", str(logs).replace("/", "\\")]
    results = run_dbt_concurrently([
        (["compile", "-s", "base_serverless__function_invocations", "--target-path", str(tmp_path / str(index) / "target"),
          "--vars", external_vars(logs, logs_path=bad_path)], tmp_path / str(index) / "w.duckdb")
        for index, bad_path in enumerate(bad_paths)])
    for bad_path, result in zip(bad_paths, results):
        assert result.returncode != 0, bad_path
        assert "Invalid var 'logs_path'" in result.stdout, bad_path
    assert "with / between folders, not \\" in results[-1].stdout


def test_a_glob_in_logs_path_reads_when_asked_for(logs, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    run_dbt(["build", "-s", *STAGING, "--target-path", str(tmp_path / "target"),
             "--vars", external_vars(logs, logs_path=f"{logs.parent}/l*s", logs_path_glob=True)], warehouse)
    assert rows(warehouse, "select invocation_id from staging.stg_serverless__function_invocations") == [("x1",)]


ABSURD_VARS = [   # (selected node, --vars, the var the error must name)
    ("canary_version_comparison", "{canary_max_p95_duration_ratio: 1e400}", "canary_max_p95_duration_ratio"),
    # a confidence level with no z listed, and one pasted into SQL
    ("canary_version_comparison", "{canary_confidence_pct: 96}", "canary_confidence_pct"),
    ("burst_error_correlation", "{burst_confidence_pct: '95) or (1=1'}", "burst_confidence_pct"),
    ("int_detection__parameters", "{alert_budget_k_grid: [3, 1e400]}", "alert_budget_k_grid"),
    ("int_gateway__requests_in_window", "{tsg_incident_start: '0001-01-01 00:00:00'}", "tsg_incident_start"),
    ("base_serverless__function_invocations", "{incremental_lookback_hours: 1000000000000000}", "incremental_lookback_hours"),
    ("base_serverless__function_invocations", "{accepted_time_floor: '9999-01-01 00:00:00'}", "accepted_time_floor"),
    ("base_serverless__function_invocations", "{accepted_time_max_hours_ahead: -1}", "accepted_time_max_hours_ahead"),
    ("test_name:quarantined_share", "{quarantine_share_error_pct: 1e400}", "quarantine_share_error_pct"),
    # a var pasted into a data test's SQL (accepted_range's bound)
    ("test_name:accepted_range,chained_invocations", "{chain_max_gap_us: '1) or (1=1'}", "chain_max_gap_us"),
    # a warning level above the error level: the share would fail before it warned
    ("test_name:quarantined_share", "{quarantine_share_warn_pct: 60}", "quarantine_share_warn_pct"),
    # a pair of thresholds inverted: the milder label would never be given
    ("tsg_step04_regional_availability", "{tsg_region_critical_availability_pct: 99.5}", "tsg_region_critical_availability_pct"),
    ("tsg_step06_zones", "{tsg_zone_critical_success_pct: 96}", "tsg_zone_critical_success_pct"),
    # availability strictly between 0 and 100 %, as the tsg command accepts it
    ("tsg_action_plan", "{tsg_sla_threshold: 100}", "tsg_sla_threshold"),
    ("int_gateway__element_attribution", "{tsg_plan_min_z: -1}", "tsg_plan_min_z"),
    ("int_gateway__element_attribution", "{tsg_plan_min_z: '3; drop table x'}", "tsg_plan_min_z"),
    ("int_gateway__element_attribution", "{tsg_plan_min_server_errors: 0}", "tsg_plan_min_server_errors"),
    ("int_gateway__element_attribution", "{tsg_plan_min_server_errors: 2.5}", "tsg_plan_min_server_errors"),
    ("tsg_action_plan", "{tsg_sla_threshold: 0}", "tsg_sla_threshold"),
    # a bucket complete before it starts; at a 5-minute grain the bound is 299 s
    ("int_gateway__hourly_metrics", "{bucket_complete_within_seconds: 3600}", "bucket_complete_within_seconds"),
    ("int_serverless__hourly_metrics", "{detection_grain_minutes: 5, bucket_complete_within_seconds: 300}",
     "bucket_complete_within_seconds"),
    ("int_gateway__hourly_metrics", "{bucket_complete_within_seconds: '60 or 1=1'}", "bucket_complete_within_seconds"),
    # zero-filling a silence: whole hours, at most a year; no SQL
    ("int_gateway__hourly_metrics", "{zero_fill_max_hours: -1}", "zero_fill_max_hours"),
    ("int_serverless__hourly_metrics", "{zero_fill_max_hours: '168) or (1=1'}", "zero_fill_max_hours"),
    # the robust baseline is 8 blocks of whole buckets: 12 h read as 8 h, silently; alert_budget scores every grid window
    ("int_metrics__anomaly_scores", "{anomaly_window_hours: 12}", "anomaly_window_hours"),
    ("alert_budget", "{alert_budget_window_grid: [24, 36]}", "alert_budget_window_grid"),
    # the robust scale rests on 14 days of residuals: a longer history scored nothing, silently
    ("int_metrics__anomaly_scores", "{min_history_hours: 337}", "min_history_hours"),
    # a series stale before its usual interval has passed; no SQL
    ("metric_staleness", "{metric_stale_after_intervals: 0.5}", "metric_stale_after_intervals"),
    ("metric_staleness", "{metric_stale_after_intervals: '3) or (1=1'}", "metric_stale_after_intervals"),
    # digits of another script (Python's \d matches them): ASCII digits only
    ("base_serverless__function_invocations", "{accepted_time_floor: '\u0662\u0660\u0662\u0663-12-01 10:00:00'}", "accepted_time_floor"),
    ("canary_version_comparison", "{canary_max_p95_duration_ratio: '\u0662'}", "canary_max_p95_duration_ratio"),
]


def test_every_grain_compiles_with_the_default_bucket_completeness(tmp_path):
    """Unset, bucket_complete_within_seconds follows the grain (1 s per minute), so no grain is refused."""
    grains = [1, 5, 60]
    results = run_dbt_concurrently([
        (["compile", "-s", "int_gateway__hourly_metrics", "--vars", f"{{detection_grain_minutes: {grain}}}",
          "--target-path", str(tmp_path / str(grain) / "target")], tmp_path / str(grain) / "w.duckdb") for grain in grains])
    for grain, result in zip(grains, results):
        assert result.returncode == 0, result.stdout[-3000:]
        compiled = next((tmp_path / str(grain) / "target").rglob("int_gateway__hourly_metrics.sql")).read_text()
        assert f"cast({grain * 60 - grain} as bigint) * interval 1 second" in compiled, grain


def test_absurd_vars_fail_at_compile_time_naming_the_var(tmp_path):
    results = run_dbt_concurrently([
        (["compile", "-s", select, "--vars", vars_yaml, "--target-path", str(tmp_path / str(index) / "target")],
         tmp_path / str(index) / "w.duckdb") for index, (select, vars_yaml, _) in enumerate(ABSURD_VARS)])
    for (_, vars_yaml, var_name), result in zip(ABSURD_VARS, results):
        assert result.returncode != 0, vars_yaml
        assert f"Invalid var '{var_name}'" in result.stdout, vars_yaml
        assert "expected" in result.stdout.split(f"Invalid var '{var_name}'")[1].splitlines()[0], vars_yaml


def test_an_undeclared_var_stops_the_run_naming_it(tmp_path):
    result = run_dbt(["compile", "-s", "stg_serverless__function_invocations", "--target-path", str(tmp_path / "target"),
                      "--vars", "{anomaly_kk: 3, canary_window_ned: '2023-12-01 10:05:00', anomaly_k: 4}"],
                     tmp_path / "w.duckdb", check=False)
    assert result.returncode != 0
    message = result.stdout.split("Unknown var(s) in --vars: ")[1].splitlines()[0]
    assert "'anomaly_kk' (vars starting alike: " in message and "anomaly_k," in message
    assert "'canary_window_ned' (vars starting alike: " in message and "canary_window_end" in message
    assert "'anomaly_k'" not in message   # declared vars pass


def test_the_declared_vars_are_the_projects_vars():
    declared = list(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"])
    macro = (PROJECT_DIR / "macros" / "validation" / "declared_vars.sql").read_text()
    listed = re.findall(r"'([a-z0-9_]+)'", macro.split("return([", 1)[1].split("])", 1)[0])
    assert listed == declared


def test_a_log_folder_without_parquet_files_stops_the_run_naming_logs_path(logs, tmp_path):
    empty = tmp_path / "empty"
    (empty / "function_invocations").mkdir(parents=True)
    result = run_dbt(["build", "-s", *STAGING, "--target-path", str(tmp_path / "target"), "--vars", external_vars(empty)],
                     tmp_path / "w.duckdb", check=False)
    assert result.returncode != 0
    assert f"logs_path is `{empty}`, but {empty}/function_invocations/ holds no *.parquet file" in result.stdout
    assert "api_gateway_logs, feature_flags, function_invocations, incident_labels" in result.stdout
    assert "No files found" not in result.stdout   # DuckDB's own error, from inside a model


def test_a_logs_path_without_log_source_external_stops_the_run(logs, tmp_path):
    """It would be ignored, and the answers would come from the shipped seeds (operator trial: exit 0)."""
    for given in ({"logs_path": str(logs)}, {"log_source": "seeds", "logs_path_glob": True}):
        result = run_dbt(["build", "-s", "stg_serverless__function_invocations", "--target-path", str(tmp_path / "target"),
                          "--vars", json.dumps(given)], tmp_path / "w.duckdb", check=False)
        name = next(iter(set(given) - {"log_source"}))
        assert result.returncode != 0
        assert f"Invalid var '{name}': it is read with log_source external only" in " ".join(result.stdout.split())
    # logs_path_glob: false says nothing the seeds would ignore (review)
    run_dbt(["build", "-s", "+stg_oncall__incident_labels", "--exclude", "test_type:unit", "--target-path", str(tmp_path / "target"),
             "--vars", json.dumps({"logs_path_glob": False})], tmp_path / "w.duckdb")


def test_an_incremental_run_on_another_input_stops_naming_both(logs, tmp_path):
    warehouse, target = tmp_path / "w.duckdb", ["--target-path", str(tmp_path / "target")]
    loaded_from = "select distinct loaded_from from staging.base_serverless__function_invocations"
    run_dbt(["build", "-s", *STAGING, *target], warehouse)                                # the shipped seeds
    assert rows(warehouse, loaded_from) == [("seed function_invocations",)]
    # a model selected without the log it reads would answer from the seeds' rows, full refresh or not (operator trial)
    for extra in ([], ["--full-refresh"]):
        alone = run_dbt(["build", "-s", "stg_serverless__function_invocations", *target, "--vars", external_vars(logs), *extra],
                        warehouse, check=False)
        assert alone.returncode != 0
        assert ("base_serverless__function_invocations holds rows loaded from `seed function_invocations`"
                in " ".join(alone.stdout.split()))
        assert ("is not rebuilt by this run (not selected): stg_serverless__function_invocations would answer from those rows"
                in " ".join(alone.stdout.split()))
    switched = run_dbt(["build", "-s", *STAGING, *target, "--vars", external_vars(logs)], warehouse, check=False)
    assert switched.returncode != 0
    parquet = f"read_parquet({logs}/function_invocations/**/*.parquet, union_by_name = true, binary_as_string = true)"
    assert f"holds rows loaded from `seed function_invocations`, and this run reads `{parquet}`" in switched.stdout
    assert rows(warehouse, "select count(*) from staging.base_serverless__function_invocations")[0][0] > 1   # untouched
    for extra in (["--full-refresh"], []):   # a full refresh starts over from the new input; then it loads incrementally
        run_dbt(["build", "-s", *STAGING, *target, "--vars", external_vars(logs), *extra], warehouse)
        assert rows(warehouse, "select invocation_id from staging.stg_serverless__function_invocations") == [("x1",)]
    assert rows(warehouse, loaded_from) == [(parquet,)]
    # rows an earlier version read with other options (before binary_as_string) are the same input
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update staging.base_serverless__function_invocations set loaded_from = "
                    f"'read_parquet({logs}/function_invocations/**/*.parquet, union_by_name = true)'")
    run_dbt(["build", "-s", *STAGING, *target, "--vars", external_vars(logs)], warehouse)
    assert rows(warehouse, "select invocation_id from staging.stg_serverless__function_invocations") == [("x1",)]
    # ... and so are rows read through the same folder with a trailing slash
    run_dbt(["build", "-s", *STAGING, *target, "--vars", json.dumps({"log_source": "external", "logs_path": f"{logs}/"})], warehouse)
    assert rows(warehouse, "select invocation_id from staging.stg_serverless__function_invocations") == [("x1",)]
    # a table an earlier version built, before it recorded its input: the way out, with the vars (operator trial:
    # `dbt build --full-refresh` as the message said rebuilt a warehouse of one's own logs from the shipped seeds)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table staging.base_serverless__function_invocations drop column loaded_from")
    older = run_dbt(["build", "-s", *STAGING, *target, "--vars", external_vars(logs)], warehouse, check=False)
    assert older.returncode != 0
    assert ("base_serverless__function_invocations was built by an earlier version of the project (no loaded_from column): "
            "rebuild it once with `dbt build --full-refresh` and the vars it was built with") in " ".join(older.stdout.split())


def test_a_run_on_another_input_stops_before_building_anything(logs, tmp_path):
    """A run on the seeds over a warehouse of one's own logs used to rebuild the logs materialized as tables
    (feature flags, products, host samples) from the seeds before the first incremental model stopped it,
    leaving the warehouse mixed (operator trial): the on-run-start hook now stops it before any model. A
    logs_path that does not exist is named as such first."""
    warehouse, target = tmp_path / "w.duckdb", ["--target-path", str(tmp_path / "target")]
    run_dbt(["build", "-s", *STAGING, *target, "--vars", external_vars(logs)], warehouse)
    mixed = run_dbt(["build", "-s", "+stg_serverless__function_invocations", "+stg_gateway__feature_flags",
                     "--exclude", "test_type:unit", "tag:shipped_data", *target], warehouse, check=False)
    assert mixed.returncode != 0
    assert ("base_serverless__function_invocations holds rows loaded from `read_parquet(" in mixed.stdout
            and "the run stops before building anything" in " ".join(mixed.stdout.split()))
    assert "base_gateway__feature_flags" not in _tables(warehouse)
    # `make docs` passes no vars: it writes no model, so neither the hook nor a base model's check stops it
    # (operator trial: make docs failed once the default warehouse held one's own logs)
    docs = run_dbt(["docs", "generate", *target], warehouse, check=False)
    assert docs.returncode == 0 and "holds rows loaded from" not in docs.stdout, docs.stdout[-3000:]
    # a logs_path that is not there said neither: it stopped on the input check (suggesting --full-refresh),
    # and on a new warehouse loaded the seeds before nine "holds no *.parquet file" (operator report). The
    # hook now names the var first, before any seed or model (the operator's command: a whole build)
    tables = _tables(warehouse)
    missing = run_dbt(["build", *target, "--vars", external_vars(tmp_path / "does_not_exist")], warehouse, check=False)
    output = " ".join(missing.stdout.split())
    assert missing.returncode != 0
    assert f"Invalid var 'logs_path': \"{tmp_path / 'does_not_exist'}\" is not a folder (it does not exist)" in output
    assert "holds rows loaded from" not in output and not re.search(r"\d+ of \d+ START (?!hook)", output)   # no seed, model or test
    assert _tables(warehouse) == tables


def test_a_file_the_log_would_not_read_stops_the_run_naming_it(logs, tmp_path):
    folder = tmp_path / "hive" / "function_invocations"
    folder.mkdir(parents=True)
    (folder / "000000_0").write_bytes((logs / "function_invocations" / "part-0.parquet").read_bytes())   # Hive's name
    (folder / "_SUCCESS").touch()   # a writer's marker: skipped
    result = run_dbt(["build", "-s", *STAGING, "--target-path", str(tmp_path / "target"),
                      "--vars", external_vars(tmp_path / "hive")], tmp_path / "w.duckdb", check=False)
    assert result.returncode != 0
    assert (f"{folder}/ holds 1 file(s) the log would not read, since only *.parquet files are: {folder}/000000_0. "
            "Give Parquet files the .parquet extension") in result.stdout
    (folder / "part-1.parquet").write_bytes((logs / "function_invocations" / "part-0.parquet").read_bytes())
    result = run_dbt(["build", "-s", *STAGING, "--target-path", str(tmp_path / "target"),
                      "--vars", external_vars(tmp_path / "hive")], tmp_path / "w.duckdb", check=False)
    assert result.returncode != 0
    assert (f"{folder}/ holds 1 file(s) the log would not read, since only *.parquet files are: {folder}/000000_0."
            in result.stdout)


def test_spark_leftovers_and_delta_tables_stop_the_run_and_markers_do_not(logs, tmp_path):
    """Spark skips folders whose names start with `_` or `.` (a job's uncommitted output) and the
    source's glob would not: the run stops naming them, and so do Parquet files named so. A Delta
    table's folder holds replaced files, a streaming sink's a failed micro-batch's; a file cut short,
    empty or in a codec DuckDB cannot read stops the run naming it.
    Markers, checksums and partition folders are fine, below a logs_path with such names of its own."""
    part = (logs / "function_invocations" / "part-0.parquet").read_bytes()
    layouts = {
        "committed": ["date=2024-03-12/part-00000-c000.snappy.parquet", "_SUCCESS", "._SUCCESS.crc",
                      "date=2024-03-12/.part-00000-c000.snappy.parquet.crc", "_metadata"],
        "failed_job": ["part-00000-c000.snappy.parquet", "_temporary/0/task_0001_m_000000/part-00000-c000.snappy.parquet"],
        "staging": ["part-00000.parquet", ".spark-staging-5f1e/date=2024-03-12/part-00000.parquet"],
        "delta": ["part-00000.parquet", "_delta_log/00000000000000000000.json"],
        "hidden": ["part-00000.parquet", "date=2024-03-12/_part-00001.parquet"],
        "streaming": ["part-00000.parquet", "_spark_metadata/0"],
        # a file cut short or still being written, an empty one, and Spark's codec=lz4 (Hadoop's LZ4 framing; a
        # one-row file parquet-mr 1.17 wrote): DuckDB stopped the model's SQL with its own error (operator trial)
        "cut_short": ["part-00000.parquet", "date=2024-03-12/part-00001.parquet", "date=2024-03-13/part-00002.parquet"],
        "lz4": ["part-00000.parquet", "part-00001.c000.lz4hadoop.parquet"],
    }
    contents = {"cut_short": {"date=2024-03-12/part-00001.parquet": part[: len(part) // 2], "date=2024-03-13/part-00002.parquet": b""},
                "lz4": {"part-00001.c000.lz4hadoop.parquet": (FIXTURES / "spark_lz4" / "part-00000.c000.lz4hadoop.parquet").read_bytes()}}
    for layout, files in layouts.items():
        for name in files:
            path = tmp_path / "_runs" / ".logs" / layout / "function_invocations" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(contents.get(layout, {}).get(name, part if name.endswith(".parquet") else b""))
    results = run_dbt_concurrently([
        (["compile", "-s", "base_serverless__function_invocations", "--target-path", str(tmp_path / layout / "target"),
          "--vars", external_vars(tmp_path / "_runs" / ".logs" / layout)], tmp_path / layout / "w.duckdb") for layout in layouts])
    outcome = dict(zip(layouts, results))
    assert outcome["committed"].returncode == 0, outcome["committed"].stdout
    folder = {layout: tmp_path / "_runs" / ".logs" / layout / "function_invocations" for layout in layouts}
    assert outcome["failed_job"].returncode != 0
    assert (f"{folder['failed_job']}/ holds 1 file(s) under folders whose names start with `_` or `.`: "
            f"{folder['failed_job']}/_temporary/. That is where Spark and Hadoop jobs keep output they have not committed"
            in outcome["failed_job"].stdout)
    assert outcome["staging"].returncode != 0
    assert f": {folder['staging']}/.spark-staging-5f1e/. That is where" in outcome["staging"].stdout
    assert outcome["delta"].returncode != 0
    assert f"{folder['delta']}/ is a Delta table (it has a _delta_log/ folder)" in outcome["delta"].stdout
    assert outcome["hidden"].returncode != 0
    assert (f"{folder['hidden']}/ holds 1 Parquet file(s) whose names start with `_` or `.`: "
            f"{folder['hidden']}/date=2024-03-12/_part-00001.parquet. Spark and Hadoop skip" in " ".join(outcome["hidden"].stdout.split()))
    assert outcome["streaming"].returncode != 0
    assert (f"{folder['streaming']}/ is the output of a Spark Structured Streaming query (it has a _spark_metadata/ folder)"
            in " ".join(outcome["streaming"].stdout.split()))
    assert outcome["cut_short"].returncode != 0
    assert (f"{folder['cut_short']}/ holds 2 Parquet file(s) that cannot be read whole: "
            f"{folder['cut_short']}/date=2024-03-12/part-00001.parquet (cut short or still being written: no PAR1 at its end), "
            f"{folder['cut_short']}/date=2024-03-13/part-00002.parquet (empty). A file still being written"
            in " ".join(outcome["cut_short"].stdout.split()))
    assert outcome["lz4"].returncode != 0
    assert (f"{folder['lz4']}/ holds 1 Parquet file(s) compressed with LZ4, which DuckDB cannot read: "
            f"{folder['lz4']}/part-00001.c000.lz4hadoop.parquet. Write them with snappy" in " ".join(outcome["lz4"].stdout.split()))


def test_a_partition_folder_linked_from_elsewhere_stops_the_run_and_linked_logs_and_files_are_read(logs, tmp_path):
    """DuckDB's ** does not follow a symbolic link to a folder inside a log's folder: a partition folder
    linked from elsewhere was left unread, 1,500 of 3,000 rows, with every test passing (operator trial), and
    a log whose only partition was such a link read as holding no Parquet file. The run stops naming the
    files; a link to the log's folder, or to a file, is read."""
    part = logs / "function_invocations" / "part-0.parquet"
    elsewhere = tmp_path / "elsewhere" / "date=2024-03-13"
    elsewhere.mkdir(parents=True)
    (elsewhere / "part-0.parquet").write_bytes(part.read_bytes())
    layouts = {}
    for layout, only_linked in (("linked_partition", False), ("only_linked", True)):
        folder = tmp_path / layout / "logs" / "function_invocations"
        folder.mkdir(parents=True)
        if not only_linked:
            (folder / "date=2024-03-12").mkdir()
            (folder / "date=2024-03-12" / "part-0.parquet").write_bytes(part.read_bytes())
        (folder / "date=2024-03-13").symlink_to(elsewhere, target_is_directory=True)
        layouts[layout] = folder
    (tmp_path / "linked_log" / "logs").mkdir(parents=True)                     # the log's folder a link: read
    (tmp_path / "linked_log" / "logs" / "function_invocations").symlink_to(elsewhere.parent, target_is_directory=True)
    (tmp_path / "linked_file" / "logs" / "function_invocations").mkdir(parents=True)   # a link to a file: read
    (tmp_path / "linked_file" / "logs" / "function_invocations" / "part-0.parquet").symlink_to(part)
    inside = tmp_path / "linked_inside" / "logs" / "function_invocations"      # a link to a folder read anyway: fine
    (inside / "date=2024-03-12").mkdir(parents=True)
    (inside / "date=2024-03-12" / "part-0.parquet").write_bytes(part.read_bytes())
    (inside / "latest").symlink_to(inside / "date=2024-03-12", target_is_directory=True)
    kinds = [*layouts, "linked_log", "linked_file", "linked_inside"]
    results = dict(zip(kinds, run_dbt_concurrently([
        (["compile", "-s", "base_serverless__function_invocations", "--target-path", str(tmp_path / kind / "target"),
          "--vars", external_vars(tmp_path / kind / "logs")], tmp_path / kind / "w.duckdb") for kind in kinds])))
    for layout, folder in layouts.items():
        stdout = " ".join(results[layout].stdout.split())
        assert results[layout].returncode != 0, stdout
        assert (f"{folder}/ reaches 1 file(s) only through symbolic links to folders below it: "
                f"{folder}/date=2024-03-13/part-0.parquet. DuckDB's ** does not follow") in stdout
    assert results["linked_log"].returncode == 0, results["linked_log"].stdout[-2000:]
    assert results["linked_file"].returncode == 0, results["linked_file"].stdout[-2000:]
    assert results["linked_inside"].returncode == 0, results["linked_inside"].stdout[-2000:]


def test_a_folder_named_like_a_column_partition_above_the_logs_stops_the_run(logs, tmp_path):
    """DuckDB reads a `<key>=<value>` folder anywhere in a file's path as a column: above the log's folder, a
    `status=ERROR/` would give every invocation the status ERROR, whatever its file says. The run stops naming
    the folder; a folder whose key is no column of the log only adds a column nobody reads."""
    part = (logs / "function_invocations" / "part-0.parquet").read_bytes()
    roots = {"column": tmp_path / "lake" / "status=ERROR" / "logs", "other": tmp_path / "lake" / "run=3" / "logs"}
    for root in roots.values():
        (root / "function_invocations").mkdir(parents=True)
        (root / "function_invocations" / "part-0.parquet").write_bytes(part)
    results = run_dbt_concurrently([
        (["build", "-s", *STAGING, "--target-path", str(tmp_path / kind / "target"), "--vars", external_vars(root)],
         tmp_path / kind / "w.duckdb") for kind, root in roots.items()])
    refused, read = results
    assert refused.returncode != 0
    assert (f"logs_path `{roots['column']}` has a folder `status=ERROR`, named like a partition of the column `status` of "
            'function_invocations: DuckDB reads every `<column>=<value>` folder in a file\'s path as that column, so every '
            'row of function_invocations would read status "ERROR", whatever its files hold.') in " ".join(refused.stdout.split())
    assert "base_serverless__function_invocations" not in _tables(tmp_path / "column" / "w.duckdb")
    assert read.returncode == 0, read.stdout[-3000:]
    assert rows(tmp_path / "other" / "w.duckdb", "select invocation_id, status from staging.stg_serverless__function_invocations") \
        == [("x1", "SUCCESS")]


def test_a_partition_folder_over_files_holding_its_column_must_agree_with_them(logs, tmp_path):
    """Inside the log's folder too, DuckDB reads a `status=ERROR/` folder's value on every row of its files,
    also where the files hold a status of their own (Spark refuses such a table). Files that agree with
    their folder are read as they are; a file whose rows say otherwise stops the run, naming it and both
    values, before anything is loaded."""
    part = (logs / "function_invocations" / "part-0.parquet").read_bytes()   # x1, status SUCCESS
    folders = {"agree": "status=SUCCESS", "differ": "status=ERROR"}
    for kind, partition in folders.items():
        (tmp_path / kind / "logs" / "function_invocations" / partition).mkdir(parents=True)
        (tmp_path / kind / "logs" / "function_invocations" / partition / "part-0.parquet").write_bytes(part)
    agreed, refused = build_staging_of(tmp_path, folders)
    assert agreed.returncode == 0, agreed.stdout[-3000:]
    assert rows(tmp_path / "agree" / "w.duckdb", "select invocation_id, status from staging.stg_serverless__function_invocations") \
        == [("x1", "SUCCESS")]
    assert refused.returncode != 0
    file = tmp_path / "differ" / "logs" / "function_invocations" / "status=ERROR" / "part-0.parquet"
    assert (f"{tmp_path / 'differ' / 'logs'}/function_invocations/ has files inside `status=<value>/` folders that hold a "
            f"`status` column of their own, with other values: 1 row(s) in 1 file(s) ({file}), e.g. \"SUCCESS\" in a file "
            'where its folder says "ERROR".') in " ".join(refused.stdout.split())
    assert "base_serverless__function_invocations" not in _tables(tmp_path / "differ" / "w.duckdb")


def test_files_in_different_partition_layouts_stop_the_run_when_a_column_would_be_lost(logs, tmp_path):
    """DuckDB reads `<column>=<value>/` folders only when every file of a log sits in folders of the same
    columns, and none otherwise, silently: a Spark job's `status=SUCCESS/` output beside a plain file would
    read status as missing on all its rows. The run stops, naming the layouts and the files; layouts that
    lose nothing (a file that holds the column its folder names) are read as they are."""
    part = (logs / "function_invocations" / "part-0.parquet").read_bytes()   # x1, status SUCCESS
    for kind in ("lost", "kept"):
        (tmp_path / kind / "logs" / "function_invocations" / "status=SUCCESS").mkdir(parents=True)
        (tmp_path / kind / "logs" / "function_invocations" / "part-0.parquet").write_bytes(part)
    second = INVOCATION.replace("'x1'", "'x2'")
    write_parquet(tmp_path / "lost" / "logs", "function_invocations/status=SUCCESS", second.replace(", 'SUCCESS' as status", ""))
    write_parquet(tmp_path / "kept" / "logs", "function_invocations/status=SUCCESS", second)
    refused, read = build_staging_of(tmp_path, ("lost", "kept"))
    assert refused.returncode != 0
    folder = tmp_path / "lost" / "logs" / "function_invocations"
    assert (f"{folder}/ mixes partition layouts (no partition folder: 1 file(s); `status=`: 1 file(s)). DuckDB reads partition "
            "folders as columns only when every file of a log sits in folders of the same columns, and reads none otherwise, so "
            f"`status` would read as missing on every row of the 1 file(s) that have it in their folders only "
            f"({folder}/status=SUCCESS/part-0.parquet).") in " ".join(refused.stdout.split())
    assert "base_serverless__function_invocations" not in _tables(tmp_path / "lost" / "w.duckdb")
    assert read.returncode == 0, read.stdout[-3000:]
    assert rows(tmp_path / "kept" / "w.duckdb", "select invocation_id, status from staging.stg_serverless__function_invocations "
                "order by invocation_id") == [("x1", "SUCCESS"), ("x2", "SUCCESS")]


def test_a_time_in_partition_folders_only_stops_and_one_written_two_ways_agrees(tmp_path):
    """Operator trial. Spark's partitionBy on a timestamp names the folder in its session's time zone
    (`start_timestamp=2024-03-12 04%3A00%3A00` for 09:00 UTC in New York) and leaves the column out of the
    files: read as UTC, every time moved 5 hours, silently; the run stops instead. Polars keeps the column
    in its files and names the folder `2024-03-12 09:00:00.000000`, and a null folder
    `__HIVE_DEFAULT_PARTITION__`: the same values written two ways, which used to stop the run; they read."""
    without_time = INVOCATION.replace(" timestamp '2024-03-12 09:00:00' as start_timestamp,", "")
    write_parquet(tmp_path / "spark" / "logs", "function_invocations/start_timestamp=2024-03-12 04%3A00%3A00", without_time)
    write_parquet(tmp_path / "polars" / "logs", "function_invocations/start_timestamp=2024-03-12 09:00:00.000000", INVOCATION)
    null_status = INVOCATION.replace("'x1'", "'x2'").replace("'SUCCESS' as status", "cast(null as varchar) as status")
    write_parquet(tmp_path / "nulls" / "logs", "function_invocations/status=SUCCESS", INVOCATION)
    write_parquet(tmp_path / "nulls" / "logs", "function_invocations/status=__HIVE_DEFAULT_PARTITION__", null_status)
    refused, read, nulls = build_staging_of(tmp_path, ("spark", "polars", "nulls"))
    assert refused.returncode != 0
    folder = tmp_path / "spark" / "logs" / "function_invocations"
    assert (f"{folder}/ has the time column `start_timestamp` in `start_timestamp=<value>/` folders only, in 1 file(s) "
            f"({folder}/start_timestamp=2024-03-12 04%3A00%3A00/part-0.parquet). A folder name holds no time zone") \
        in " ".join(refused.stdout.split())
    assert "base_serverless__function_invocations" not in _tables(tmp_path / "spark" / "w.duckdb")
    assert read.returncode == 0, read.stdout[-3000:]
    assert rows(tmp_path / "polars" / "w.duckdb", "select invocation_id, start_timestamp from staging.base_serverless__function_invocations"
                " order by 1") == [("x1", datetime(2024, 3, 12, 9))]
    assert nulls.returncode == 0, nulls.stdout[-3000:]
    assert rows(tmp_path / "nulls" / "w.duckdb", "select invocation_id, status, quarantine_reason from staging.base_serverless__function_invocations"
                " order by 1") == [("x1", "SUCCESS", None), ("x2", None, "status is missing")]


def test_make_creates_the_warehouse_folder_of_a_path_with_spaces(tmp_path):
    warehouse = tmp_path / "new dir" / "sub" / "w.duckdb"
    env = {**os.environ, "DBT_DUCKDB_PATH": str(warehouse)}
    dry_run = subprocess.run(["make", "-n", "build"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=True)
    prepare = next(line for line in dry_run.stdout.splitlines() if "oncall_analytics.warehouse_file prepare" in line)
    # the recipe reads the path from the environment
    subprocess.run(["bash", "-c", prepare], cwd=PROJECT_DIR, env=env, check=True)
    assert warehouse.is_file() and sorted(p.name for p in tmp_path.iterdir()) == ["new dir"]
