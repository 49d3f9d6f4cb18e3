"""Hostile input, as typed Parquet (users' own logs through log_source:
external): TIMESTAMP WITH TIME ZONE written by DuckDB and by pandas (in UTC
and in another zone), nanosecond timestamps, epoch seconds, milliseconds and
microseconds where the source declares them, and typed doubles that are NaN
or infinite or have a fraction where an integer is declared; one log split
into a file with time zones and a naive one in a partition folder; a column
no file has; single-precision floats; Spark's partition folders, a null
value's __HIVE_DEFAULT_PARTITION__ among them, beside its markers; an
integer column as text in one file and as pandas' float64 in another; an
invocation re-sent with copies that differ only as written. Each
becomes naive UTC (microseconds kept) or is quarantined with a reason; the
build runs in New York time and must not care. One shared build of the
staging models."""
from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest
import yaml

from conftest import run_dbt
from hostile import external_vars, rows, time_zone, write_parquet
from project_copy import copy_project

UTC_0900 = datetime(2024, 3, 12, 9, 0, 0, 123456)
EPOCH_0900_US = 1710234000123456     # 2024-03-12 09:00:00.123456 UTC
WIDE_DECIMAL = "0.9277759491420415"   # cast from decimal(38,18) straight to double, one unit in the last place lower
STAGED = ["stg_serverless__function_invocations", "stg_metrics__service_metrics", "stg_metrics__service_metrics_hourly",
          "stg_oncall__incident_labels", "stg_gateway__infrastructure_metrics", "stg_gateway__workflow_tracking"]


def _declare_epoch_units(project):
    """The user's declarations: which source columns hold epoch numbers, in which unit."""
    for path, table, units in ((project / "models/staging/oncall/_oncall__sources.yml", "incident_labels",
                                {"started_at": "us", "ended_at": "s"}),
                               (project / "models/staging/gateway/_gateway__sources.yml", "infrastructure_metrics",
                                {"timestamp": "ms"})):
        sources = yaml.safe_load(path.read_text())
        for source_table in sources["sources"][0]["tables"]:
            if source_table["name"] == table:
                source_table["columns"] = [{"name": name, "config": {"meta": {"epoch_unit": unit}}} for name, unit in units.items()]
        path.write_text(yaml.safe_dump(sources, sort_keys=False))


@pytest.fixture(scope="module")
def typed_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile_typed")
    logs = root / "logs"
    write_parquet(logs, "function_invocations", """
        with typed(invocation_id, start_timestamp, version_id, duration_ms) as (values
            ('tz_utc', timestamptz '2024-03-12 09:00:00.123456+00', 1.0, 10.0),
            ('tz_kolkata', timestamptz '2024-03-12 14:30:00.123456+05:30', 1.0, 10.0),
            ('int_fraction', timestamptz '2024-03-12 09:00:00.123456+00', 1.5, 10.0),
            ('num_nan', timestamptz '2024-03-12 09:00:00.123456+00', 1.0, 'nan'::double),
            ('num_inf', timestamptz '2024-03-12 09:00:00.123456+00', 1.0, 'inf'::double),
            ('num_minus_inf', timestamptz '2024-03-12 09:00:00.123456+00', 1.0, '-inf'::double))
        select invocation_id, 'f' as function_name, version_id, start_timestamp,
               start_timestamp + interval 1 second as end_timestamp, duration_ms, 64.0 as memory_used_mb, 'SUCCESS' as status
        from typed""")
    # a second file of the same log from a writer without time zones, in a partition folder beside a
    # writer's marker: naive TIMESTAMP beside TIMESTAMP WITH TIME ZONE, read as UTC whatever the machine's zone
    write_parquet(logs, "function_invocations/date=2024-03-12", """
        select 'naive_beside_tz' as invocation_id, 'f' as function_name, 1.0 as version_id,
               timestamp '2024-03-12 09:00:00.123456' as start_timestamp, timestamp '2024-03-12 09:00:01.123456' as end_timestamp,
               10.0 as duration_ms, 64.0 as memory_used_mb, 'SUCCESS' as status""")
    (logs / "function_invocations" / "_SUCCESS").touch()
    # an at-least-once writer re-sent invocations, each copy as another tool spelled it: copies the same as
    # staged (a cased column's letter case, spaces around text) are one row; copies staged apart are not
    write_parquet(logs, "function_invocations", """
        with resent(invocation_id, function_name, status) as (values
            ('resent_status_case', 'f', 'SUCCESS'), ('resent_status_case', 'f', 'success'),
            ('resent_status_space', 'f', 'SUCCESS'), ('resent_status_space', 'f', 'SUCCESS '),
            ('resent_name_space', 'fx', 'SUCCESS'), ('resent_name_space', 'fx ', 'SUCCESS'),
            ('resent_name_case', 'fx', 'SUCCESS'), ('resent_name_case', 'FX', 'SUCCESS'),
            ('resent_status_differs', 'f', 'SUCCESS'), ('resent_status_differs', 'f', 'error'))
        select invocation_id, function_name, 1 as version_id, timestamp '2024-03-12 09:00:00' as start_timestamp,
               timestamp '2024-03-12 09:00:01' as end_timestamp, 10.0 as duration_ms, 64.0 as memory_used_mb, status
        from resent""", part="part-resent")
    # pandas: time-zone-aware nanosecond timestamps (in UTC and in Kolkata), a NaN and an infinite value
    utc = pd.DataFrame({
        "service_name": "svc", "metric_name": ["utc", "nan", "inf"],
        "observed_at": pd.to_datetime(["2024-03-12 09:00:00.123456789", "2024-03-12 09:05:00.0", "2024-03-12 09:10:00.0"]).tz_localize("UTC"),
        "value": [1.0, float("nan"), float("inf")],
    })
    kolkata = pd.DataFrame({
        "service_name": "svc", "metric_name": ["kolkata"],
        "observed_at": pd.to_datetime(["2024-03-12 14:30:00.123456789"]).tz_localize("Asia/Kolkata"), "value": [2.0],
    })
    write_parquet(logs, "service_metrics", "select * from utc union all by name select * from kolkata",
                  frames={"utc": utc, "kolkata": kolkata})
    # pandas: naive nanosecond timestamps (TIMESTAMP_NS), taken as UTC
    hourly = pd.DataFrame({"service_name": ["svc"], "metric_name": ["m"],
                           "observed_at": pd.to_datetime(["2024-03-12 09:00:00"]), "value": [1.0]})
    # ... and the value as a wide decimal (Spark's DecimalType(38,18)): its exact value's nearest double
    write_parquet(logs, "service_metrics_hourly", f"select * replace (cast('{WIDE_DECIMAL}' as decimal(38, 18)) as value) from hourly",
                  frames={"hourly": hourly})
    # epoch numbers, declared on the sources: microseconds (bigint) and seconds (text)
    # ... with no `description` column in any file: read as missing (it is optional)
    write_parquet(logs, "incident_labels", f"""
        select 'epoch' as label_id, 'svc' as service_name, {EPOCH_0900_US} as started_at,
               '{EPOCH_0900_US // 1_000_000 + 3600}.5' as ended_at, 'm' as root_cause_metric
        union all
        select 'epoch-junk', 'svc', {EPOCH_0900_US}, 'soon', 'm'""")
    # memory as single-precision floats: the decimal its writer meant, not float32's nearest double
    write_parquet(logs, "infrastructure_metrics", f"""
        select 'i-1' as instance_id, {EPOCH_0900_US // 1000} as "timestamp", 45.5 as cpu_utilization,
               cast(57.56 as float) as memory_utilization, 120.0 as concurrent_connections
        union all
        select 'i-2', {EPOCH_0900_US // 1000}, 'nan'::double, cast(60.0 as float), 120.5""")
    # Spark's partitionBy: the partition column lives in folder names only, and a null value is the
    # folder __HIVE_DEFAULT_PARTITION__ (read as null, as Spark reads it: empty means real traffic)
    def workflow_steps(rows_sql):
        return f"""
            select correlation_id, 'wf-1' as workflow_id, 'checkout_flow' as scenario_name,
                   'cart_validation' as workflow_step, 'COMPLETED' as workflow_status, 'CRITICAL' as business_criticality,
                   879 as total_workflow_time_ms, retry_attempts, 'u-1' as user_id, false as has_compensation,
                   timestamp '2024-03-12 09:00:00' as "timestamp", 'us-east' as region, 'prod' as environment
            from ({rows_sql})"""
    for partition, correlation_id in (("true", "spark_test_traffic"), ("__HIVE_DEFAULT_PARTITION__", "spark_null_partition")):
        write_parquet(logs, f"workflow_tracking/is_test_traffic={partition}",
                      workflow_steps(f"select '{correlation_id}' as correlation_id, 0 as retry_attempts"), part="part-00000-c000.snappy")
    # two writers of one log: retry_attempts as text in one file and, from pandas, as float64 in another
    # (an integer column with a gap): the union reads it as text, '2.0', still the integer 2
    # ... and that writer's file lacks has_compensation, which the others have (a struct's field of that name
    # is not the column): read as missing, with a warning
    write_parquet(logs, "workflow_tracking/is_test_traffic=false", "select * exclude (has_compensation)"
                  ", {'has_compensation': true} as details from ("
                  + workflow_steps("select 'text_writer' as correlation_id, '1' as retry_attempts") + ")", part="part-00000-text")
    retries = pd.DataFrame({"correlation_id": ["pandas_whole_float", "pandas_gap"], "retry_attempts": [2.0, float("nan")]})
    write_parquet(logs, "workflow_tracking/is_test_traffic=false", workflow_steps("select * from retries"),
                  part="part-00000-pandas", frames={"retries": retries})
    for marker in ("_SUCCESS", "._SUCCESS.crc", "is_test_traffic=true/.part-00000-c000.snappy.parquet.crc"):
        (logs / "workflow_tracking" / marker).touch()
    project = copy_project(root / "p")
    _declare_epoch_units(project)
    warehouse = project / "warehouse" / "oncall_analytics.duckdb"
    with time_zone("America/New_York"):
        build = run_dbt(["build", "-s", *(f"+{model}{suffix}" for model in STAGED for suffix in ("", "_quarantine")),
                         "--exclude", "test_type:unit", "tag:shipped_data", "test_name:quarantined_share", "resource_type:seed",
                         "--vars", external_vars(logs)], warehouse, cwd=project, artifacts=True)
    (root / "build.log").write_text(build.stdout)
    return warehouse


def test_time_zone_aware_and_nanosecond_timestamps_become_utc(typed_build):
    invocations = {row[0]: row[1:] for row in rows(typed_build, (
        "select invocation_id, start_timestamp, end_timestamp, quarantine_reason from staging.base_serverless__function_invocations"))}
    for invocation_id in ("tz_utc", "tz_kolkata", "naive_beside_tz"):   # whatever the session's zone
        assert invocations[invocation_id] == (UTC_0900, datetime(2024, 3, 12, 9, 0, 1, 123456), None), invocation_id
    metrics = dict(rows(typed_build, "select metric_name, observed_at from staging.stg_metrics__service_metrics"))
    assert metrics == {"utc": UTC_0900, "kolkata": UTC_0900}  # pandas, tz-aware ns: microseconds kept
    assert rows(typed_build, "select observed_at, value from staging.stg_metrics__service_metrics_hourly") == [
        (datetime(2024, 3, 12, 9), float(WIDE_DECIMAL))]


def test_declared_epoch_units_become_utc(typed_build):
    labels = {row[0]: row[1:] for row in rows(typed_build, (
        "select label_id, started_at, ended_at, quarantine_reason from staging.base_oncall__incident_labels"))}
    assert labels["epoch"] == (UTC_0900, datetime(2024, 3, 12, 10, 0, 0, 500000), None)
    assert labels["epoch-junk"][1:] == (None, "ended_at is not a timestamp")
    samples = dict(rows(typed_build, "select instance_id, sampled_at from staging.base_gateway__infrastructure_metrics"))
    assert samples["i-1"] == datetime(2024, 3, 12, 9, 0, 0, 123000)


def test_a_column_no_file_has_reads_as_missing_and_floats_keep_their_decimal(typed_build):
    labels = rows(typed_build, "select label_id, description, quarantine_reason from staging.base_oncall__incident_labels order by 1")
    assert labels[0] == ("epoch", None, None)   # optional: null, the row is clean
    memory = dict(rows(typed_build, "select instance_id, memory_utilization from staging.base_gateway__infrastructure_metrics"))
    assert memory == {"i-1": 57.56, "i-2": 60.0}


def test_typed_non_finite_and_fractional_numbers_are_quarantined(typed_build):
    reasons = dict(rows(typed_build, "select invocation_id, quarantine_reason from staging.base_serverless__function_invocations"))
    assert reasons["int_fraction"] == "version_id is not an integer"
    for invocation_id in ("num_nan", "num_inf", "num_minus_inf"):
        assert reasons[invocation_id] == "duration_ms is not finite", invocation_id
    metric_reasons = dict(rows(typed_build, "select metric_name, quarantine_reason from staging.stg_metrics__service_metrics_quarantine"))
    # pandas' NaN is its missing value (DuckDB writes it as null); the typed NaN above is DuckDB's
    assert metric_reasons == {"nan": "value is missing", "inf": "value is not finite"}
    samples = dict(rows(typed_build, "select instance_id, quarantine_reason from staging.base_gateway__infrastructure_metrics"))
    assert samples == {"i-1": None, "i-2": "cpu_utilization is not finite; concurrent_connections is not an integer"}


def test_copies_that_differ_only_as_written_are_exact_duplicates(typed_build):
    """Copies of an invocation compare as staged: `SUCCESS` and `success`, `SUCCESS` and `SUCCESS `, `fx` and `fx `
    are one value, so one copy is kept and the other is an exact duplicate (both copies were quarantined as
    repeated with different values although each alone stages the same; operator trial). Copies staged apart
    (function_name keeps its case; another status) stay ambiguous: every copy quarantined."""
    staged = sorted(rows(typed_build, "select invocation_id, function_name, status, quarantine_reason"
                                      " from staging.base_serverless__function_invocations where invocation_id like 'resent%'"), key=repr)
    kept = ("SUCCESS", None)
    assert staged == sorted([
        ("resent_status_case", "f", *kept), ("resent_status_case", "f", "SUCCESS", "exact duplicate of another row"),
        ("resent_status_space", "f", *kept), ("resent_status_space", "f", "SUCCESS", "exact duplicate of another row"),
        ("resent_name_space", "fx", *kept), ("resent_name_space", "fx", "SUCCESS", "exact duplicate of another row"),
        ("resent_name_case", "FX", "SUCCESS", "invocation_id repeated with different values"),
        ("resent_name_case", "fx", "SUCCESS", "invocation_id repeated with different values"),
        ("resent_status_differs", "f", "ERROR", "invocation_id repeated with different values"),
        ("resent_status_differs", "f", "SUCCESS", "invocation_id repeated with different values"),
    ], key=repr)


def test_spark_partition_folders_give_their_values_and_the_null_partition_reads_as_null(typed_build):
    staged = rows(typed_build, "select correlation_id, is_test_traffic, quarantine_reason from staging.base_gateway__workflow_tracking"
                               " where correlation_id like 'spark%' order by 1")
    assert staged == [("spark_null_partition", False, None), ("spark_test_traffic", True, None)]


def test_an_integer_column_text_in_one_file_and_float_in_another_keeps_its_integers(typed_build):
    logs = typed_build.parents[2] / "logs"   # <root>/p/warehouse/<file>: the files read the column as text
    assert rows(typed_build, f"select column_type from (describe select * from read_parquet("
                             f"'{logs}/workflow_tracking/**/*.parquet', union_by_name = true)) where column_name = 'retry_attempts'"
                ) == [("VARCHAR",)]
    staged = rows(typed_build, "select correlation_id, retry_attempts, quarantine_reason from staging.base_gateway__workflow_tracking"
                               " order by 1")
    assert staged == [("pandas_gap", None, None), ("pandas_whole_float", 2, None), ("spark_null_partition", 0, None),
                      ("spark_test_traffic", 0, None), ("text_writer", 1, None)]


def test_columns_some_or_all_files_lack_are_read_as_missing_with_a_warning_naming_the_files(typed_build):
    compensation = dict(rows(typed_build, "select correlation_id, has_compensation from staging.base_gateway__workflow_tracking"))
    assert compensation["text_writer"] is None and compensation["pandas_gap"] is False
    root = typed_build.parents[2]
    results = json.loads((root / "p" / "target" / "run_results.json").read_text())["results"]
    column_tests = {result["unique_id"].split(".")[2]: (result["status"], result["failures"]) for result in results
                    if ".log_columns_in_every_file_" in result["unique_id"]}
    assert column_tests["log_columns_in_every_file_base_gateway__workflow_tracking_gateway__workflow_tracking"] == ("warn", 1)
    assert column_tests["log_columns_in_every_file_base_oncall__incident_labels_oncall__incident_labels"] == ("warn", 1)
    assert column_tests["log_columns_in_every_file_base_metrics__service_metrics_metrics__service_metrics"] == ("pass", 0)
    log = " ".join((root / "build.log").read_text().split())   # dbt wraps long lines
    assert ("log workflow_tracking: its files lack column(s) of the contract, read as missing in their rows: has_compensation "
            f"(1 of 4 files: {root}/logs/workflow_tracking/is_test_traffic=false/part-00000-text.parquet; read as null)") in log
    assert "log incident_labels: its files lack column(s) of the contract, read as missing in their rows: description (no file; read as null)" in log
