"""Types other writers give a log's columns (found by an operator trial): pandas writes a 0/1 flag with
an empty value as float64, which turns the other files' booleans into 1.0 and 0.0 when the log is read
as one table; Impala, older Hive and parquet-mr store text as plain BINARY, without the UTF-8 mark; a
Parquet DATE in a time column is a date alone. Flags read as booleans, text as text, and a date alone is
quarantined as it is in text. One shared build of two staging models."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from arrow_schemas import VALUE_AS_DURATION
from conftest import run_dbt
from hostile import external_vars, rows, run_dbt_concurrently, write_parquet
from project_copy import copy_project

STAGED = ["stg_gateway__workflow_tracking", "stg_metrics__service_metrics"]


def workflow_steps(rows_sql: str) -> str:
    """workflow_tracking rows: correlation_id, the two flags and user_id from `rows_sql`, the rest fixed."""
    return f"""
        select correlation_id, 'wf-1' as workflow_id, 'checkout_flow' as scenario_name, 'cart_validation' as workflow_step,
               'COMPLETED' as workflow_status, 'CRITICAL' as business_criticality, 879 as total_workflow_time_ms,
               0 as retry_attempts, user_id, has_compensation, is_test_traffic,
               timestamp '2024-03-12 09:00:00' as "timestamp", 'us-east' as region, 'prod' as environment
        from ({rows_sql})"""


@pytest.fixture(scope="module")
def writer_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("writer_types")
    logs = root / "logs"
    write_parquet(logs, "workflow_tracking", workflow_steps(
        "select 'typed' as correlation_id, 'u-1' as user_id, false as has_compensation, true as is_test_traffic"), part="typed")
    flags = pd.DataFrame({"correlation_id": ["pandas_flags", "pandas_gap"], "user_id": ["u-2", "u-3"],
                          "has_compensation": [1.0, float("nan")], "is_test_traffic": [0.0, 1.0]})
    write_parquet(logs, "workflow_tracking", workflow_steps("select * from flags"), part="pandas", frames={"flags": flags})
    write_parquet(logs, "workflow_tracking", workflow_steps(
        "select 'binary_text' as correlation_id, encode('zürich') as user_id, true as has_compensation, false as is_test_traffic"),
        part="binary")
    write_parquet(logs, "service_metrics", "select 'svc' as service_name, 'm' as metric_name, date '2024-03-12' as observed_at,"
                  " cast(100.7 as float) as value union all select 'svc', 'n', date '2024-03-13', cast(2.0 as float)")
    project = copy_project(root / "p")
    warehouse = project / "warehouse" / "oncall_analytics.duckdb"
    run_dbt(["build", "-s", *(f"+{model}{suffix}" for model in STAGED for suffix in ("", "_quarantine")),
             "--exclude", "test_type:unit", "tag:shipped_data", "test_name:quarantined_share", "resource_type:seed",
             "--vars", external_vars(logs)], warehouse, cwd=project)
    return warehouse


def test_float_flags_from_pandas_read_as_booleans_beside_typed_ones(writer_build):
    staged = rows(writer_build, "select correlation_id, has_compensation, is_test_traffic, quarantine_reason "
                                "from staging.base_gateway__workflow_tracking order by 1")
    assert staged == [("binary_text", True, False, None), ("pandas_flags", True, False, None), ("pandas_gap", None, True, None),
                      ("typed", False, True, None)]


def test_text_stored_as_plain_binary_reads_as_text(writer_build):
    users = dict(rows(writer_build, "select correlation_id, user_id from staging.stg_gateway__workflow_tracking"))
    assert users["binary_text"] == "zürich"


def test_a_parquet_date_in_a_time_column_is_quarantined_as_a_date_alone(writer_build):
    """The quarantine shows a single-precision value as its writer wrote it, not widened (100.69999694824219)."""
    assert rows(writer_build, "select metric_name, value, quarantine_reason from staging.stg_metrics__service_metrics_quarantine order by 1") == [
        ("m", "100.7", "observed_at is not a timestamp"), ("n", "2.0", "observed_at is not a timestamp")]
    assert rows(writer_build, "select count(*) from staging.stg_metrics__service_metrics") == [(0,)]


def test_a_column_whose_files_mix_types_one_table_cannot_hold_stops_the_run(tmp_path):
    """Read as one table, single-precision floats beside doubles widen (58.47 would read 58.470001), a DATE
    beside timestamps reads as midnight, and naive nanoseconds beside time zones stop DuckDB with an error
    naming neither kind: the run stops first, naming the column, both kinds and their files. A duration
    (pandas timedelta, Spark interval) would read as an integer of its unit: the run stops too."""
    def metrics(kind_sql: str) -> str:
        return kind_sql if kind_sql.startswith("select ") else f"select 'svc' as service_name, 'm' as metric_name, {kind_sql}"
    cases = {
        "float32": ("timestamp '2024-03-12 09:00:00' as observed_at, cast(58.47 as float) as value",
                    "timestamp '2024-03-12 10:00:00' as observed_at, 1.5 :: double as value",
                    "the column `value` as single-precision float in 1 file(s) ({log}/a.parquet) and as other number in 1 file(s) "
                    "({log}/b.parquet). Read as one table, DuckDB would widen the single-precision values"),
        # a decimal of more than 18 digits is stored as bytes (pyarrow's and Spark's decimals; operator trial)
        "float32_decimal": ("timestamp '2024-03-12 09:00:00' as observed_at, cast(58.47 as float) as value",
                            "timestamp '2024-03-12 10:00:00' as observed_at, 1234.56789 :: decimal(38, 10) as value",
                            "the column `value` as single-precision float in 1 file(s) ({log}/a.parquet) and as other number "
                            "in 1 file(s) ({log}/b.parquet)"),
        # a file without rows (no row group) has no columns in the footer's row groups, but its schema is read
        "empty_nanoseconds": ("timestamptz '2024-03-12 10:00:00+00:00' as observed_at, 1.0 :: double as value",
                              "timestamp_ns '2024-03-12 10:00:00' as observed_at, 1.0 :: double as value where false",
                              "the column `observed_at` as naive nanosecond timestamp in 1 file(s) ({log}/b.parquet) and as "
                              "time-zone-aware timestamp in 1 file(s) ({log}/a.parquet)"),
        # every clashing column is named, the first in full (operator trial: only end_timestamp was, not start_timestamp)
        "two_columns": ("timestamp_ns '2024-03-12 09:00:00' as observed_at, cast(58.47 as float) as value",
                        "timestamptz '2024-03-12 10:00:00+00:00' as observed_at, 1.5 :: double as value",
                        "the column `observed_at` as naive nanosecond timestamp in 1 file(s) ({log}/a.parquet) and as "
                        "time-zone-aware timestamp in 1 file(s) ({log}/b.parquet). Read as one table, DuckDB cannot hold both kinds "
                        "in one column, so the run stops. Write the column with one type in every file (for pandas' nanoseconds: "
                        "to_parquet(..., coerce_timestamps=\"us\"), or all with a time zone). Other columns whose files clash: `value` "
                        "(single-precision float in 1 file(s), other number in 1)."),
        # a 64-bit integer beside doubles reads as a double (Spark's LongType ids beside pandas' float64 ids with a
        # gap: 9007199254740993 read 9007199254740992; operator trial); ids up to 2^53 beside float64 ones are exact
        # and read (test_hostile_writer_ids)
        "large_integer": ("timestamp '2024-03-12 09:00:00' as observed_at, 9007199254740993 :: bigint as value",
                          "timestamp '2024-03-12 10:00:00' as observed_at, 1.5 :: double as value",
                          "the column `value` as integer beyond 2^53 in 1 file(s) ({log}/a.parquet) and as double in 1 file(s) "
                          "({log}/b.parquet). Read as one table, DuckDB would read every value as a double, and an integer beyond "
                          "2^53 as another integer (9007199254740993 would read 9007199254740992), a silent change of value, so the "
                          "run stops. Write the column with one type in every file (for pandas, an integer column with missing "
                          "values as Int64, not float64, or ids as text)."),
        "date": ("date '2024-03-12' as observed_at, 1.0 :: double as value",
                 "timestamp '2024-03-12 10:00:00' as observed_at, 1.0 :: double as value",
                 "the column `observed_at` as date in 1 file(s) ({log}/a.parquet) and as naive timestamp in 1 file(s) ({log}/b.parquet)"),
        "nanoseconds": ("timestamp_ns '2024-03-12 09:00:00' as observed_at, 1.0 :: double as value",
                        "timestamptz '2024-03-12 10:00:00+00:00' as observed_at, 1.0 :: double as value",
                        "the column `observed_at` as naive nanosecond timestamp in 1 file(s) ({log}/a.parquet) and as "
                        "time-zone-aware timestamp in 1 file(s) ({log}/b.parquet). Read as one table, DuckDB cannot hold both kinds"),
        # a writer that moved from epoch numbers to timestamps: DuckDB's read stopped on its cast (operator trial)
        "epoch_beside_timestamps": ("1710234000000 :: bigint as observed_at, 1.0 :: double as value",
                                    "timestamp '2024-03-12 10:00:00' as observed_at, 1.0 :: double as value",
                                    "the column `observed_at` as other number in 1 file(s) ({log}/a.parquet) and as naive timestamp "
                                    "in 1 file(s) ({log}/b.parquet). Read as one table, DuckDB cannot read numbers and times as one column"),
        # a duration is stored as an integer of its unit; the writer's schema in the footer says so (operator trial)
        "duration": ("timestamp '2024-03-12 09:00:00' as observed_at, 1500000 :: bigint as value",
                     "timestamp '2024-03-12 10:00:00' as observed_at, 1500 :: bigint as value",
                     "the column `value` as a duration (Spark interval second, pandas timedelta64[ns]) in 2 file(s) ({log}/a.parquet, "
                     "{log}/b.parquet). Parquet stores a duration as a plain integer of its unit"),
        # pyarrow and polars keep the type in their Arrow schema only (operator trial: polars' end - start read 80 ms as 80000)
        "arrow_duration": ("timestamp '2024-03-12 09:00:00' as observed_at, 1.5 :: double as value",
                           "timestamp '2024-03-12 10:00:00' as observed_at, 80000 :: bigint as value",
                           "the column `value` as a duration (Arrow duration) in 1 file(s) ({log}/b.parquet)"),
        # polars' partition_by on a time writes its folders percent-encoded: DuckDB 1.4 stopped with an INTERNAL error
        "encoded_time_folder": ("timestamp '2024-03-12 09:00:00' as observed_at, 1.0 :: double as value",
                                "timestamp '2024-03-12 10:00:00' as observed_at, 2.0 :: double as value",
                                "the time column `observed_at` in percent-encoded `observed_at=<value>/` folders (as polars' "
                                "partition_by writes a time), in 2 file(s) ({log}/observed_at=2024-03-12%2009%3A00%3A00/a.parquet"),
        # text stored as bytes without the UTF-8 mark (Impala, older Hive) that is not UTF-8 (Latin-1 é; operator trial),
        # in a contract column; an extra column of such bytes is not read (test_hostile_column_names)
        "latin1": ("select encode('svc') as service_name, 'm' as metric_name, timestamp '2024-03-12 09:00:00' as observed_at, 1.0 as value",
                   "select '\\xE9t\\xE9'::blob as service_name, 'm' as metric_name, timestamp '2024-03-12 10:00:00' as observed_at,"
                   " 1.0 as value, '\\xFF'::blob as comment",
                   "1 value(s) of the column `service_name` that are not UTF-8 text, in 1 file(s) ({log}/b.parquet), e.g. `\\xE9t\\xE9`"),
    }
    writer_schemas = {"arrow_duration": (None, {"ARROW:schema": VALUE_AS_DURATION}), "duration": (
        {"pandas": json.dumps({"columns": [{"name": "value", "field_name": "value", "pandas_type": "object",
                                            "numpy_type": "timedelta64[ns]"}]})},
        {"org.apache.spark.sql.parquet.row.metadata": json.dumps({"type": "struct", "fields": [
            {"name": "observed_at", "type": "timestamp"}, {"name": "Value", "type": "interval second"}]})})}
    folders = {"encoded_time_folder": ("observed_at=2024-03-12%2009%3A00%3A00/", "observed_at=2024-03-12%2010%3A00%3A00/")}
    for case, (first, second, _) in cases.items():
        first_schema, second_schema = writer_schemas.get(case, (None, None))
        first_folder, second_folder = folders.get(case, ("", ""))
        write_parquet(tmp_path / case, "service_metrics", metrics(first), part=f"{first_folder}a", key_value_metadata=first_schema)
        write_parquet(tmp_path / case, "service_metrics", metrics(second), part=f"{second_folder}b", key_value_metadata=second_schema)
    results = run_dbt_concurrently([
        (["build", "-s", "+stg_metrics__service_metrics", "--exclude", "test_type:unit", "tag:shipped_data",
          "--target-path", str(tmp_path / case / "target"), "--vars", external_vars(tmp_path / case)],
         tmp_path / case / "w.duckdb") for case in cases])
    for (case, (_, _, message)), result in zip(cases.items(), results):
        assert result.returncode != 0, case
        log = tmp_path / case / "service_metrics"
        assert f"{tmp_path / case}/service_metrics/ holds " + message.format(log=log) in " ".join(result.stdout.split()), case
