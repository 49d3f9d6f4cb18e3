"""Hostile vars: every var that reaches SQL text is validated or quoted. A
logs_path that tries to leave its string literal is refused before any SQL
runs (the table it would create is never created), as are control
characters and glob characters nobody asked for; numbers that read as
infinity or overflow, dates in year 0001 and absurd lookbacks fail at
compile time naming the var and the accepted form."""
from __future__ import annotations

import pytest

from conftest import run_dbt
from hostile import external_vars, rows, run_dbt_concurrently, write_parquet

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
    bad_paths = [f"{logs}\n", f"{logs}/*", f"{logs}/../l?gs", f"{logs}/{{name}}"]
    results = run_dbt_concurrently([
        (["compile", "-s", "base_serverless__function_invocations", "--target-path", str(tmp_path / str(index) / "target"),
          "--vars", external_vars(logs, logs_path=bad_path)], tmp_path / str(index) / "w.duckdb")
        for index, bad_path in enumerate(bad_paths)])
    for bad_path, result in zip(bad_paths, results):
        assert result.returncode != 0, bad_path
        assert "Invalid var 'logs_path'" in result.stdout, bad_path


def test_a_glob_in_logs_path_reads_when_asked_for(logs, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    run_dbt(["build", "-s", *STAGING, "--target-path", str(tmp_path / "target"),
             "--vars", external_vars(logs, logs_path=f"{logs.parent}/l*s", logs_path_glob=True)], warehouse)
    assert rows(warehouse, "select invocation_id from staging.stg_serverless__function_invocations") == [("x1",)]


ABSURD_VARS = [   # (selected node, --vars, the var the error must name)
    ("canary_version_comparison", "{canary_max_p95_duration_ratio: 1e400}", "canary_max_p95_duration_ratio"),
    ("int_detection__parameters", "{alert_budget_k_grid: [3, 1e400]}", "alert_budget_k_grid"),
    ("int_gateway__requests_in_window", "{tsg_incident_start: '0001-01-01 00:00:00'}", "tsg_incident_start"),
    ("base_serverless__function_invocations", "{incremental_lookback_hours: 1000000000000000}", "incremental_lookback_hours"),
    ("base_serverless__function_invocations", "{accepted_time_floor: '9999-01-01 00:00:00'}", "accepted_time_floor"),
    ("base_serverless__function_invocations", "{accepted_time_max_hours_ahead: -1}", "accepted_time_max_hours_ahead"),
    ("test_name:quarantined_share", "{quarantine_share_error_pct: 1e400}", "quarantine_share_error_pct"),
    # a var pasted into a data test's SQL (accepted_range's bound)
    ("test_name:accepted_range,chained_invocations", "{chain_max_gap_us: '1) or (1=1'}", "chain_max_gap_us"),
]


def test_absurd_vars_fail_at_compile_time_naming_the_var(tmp_path):
    results = run_dbt_concurrently([
        (["compile", "-s", select, "--vars", vars_yaml, "--target-path", str(tmp_path / str(index) / "target")],
         tmp_path / str(index) / "w.duckdb") for index, (select, vars_yaml, _) in enumerate(ABSURD_VARS)])
    for (_, vars_yaml, var_name), result in zip(ABSURD_VARS, results):
        assert result.returncode != 0, vars_yaml
        assert f"Invalid var '{var_name}'" in result.stdout, vars_yaml
        assert "expected" in result.stdout.split(f"Invalid var '{var_name}'")[1].splitlines()[0], vars_yaml
