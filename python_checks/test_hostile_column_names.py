"""Column names a log's writer chose (operator trial, logs written by pandas and Spark): extra
columns named like the staging kit's own columns (its duplicate markers, its checks' and the
incremental slice's columns, the raw copies), holding text or integers, are ignored as any extra
column is, on a full and on an incremental run; a file with a contract column twice, differing only
in case (`SERVICE_NAME` beside `service_name`), stops the run naming the file and both names, since
DuckDB would read the first of them on every row (Spark refuses such a schema)."""
from __future__ import annotations

import duckdb

from conftest import PROJECT_DIR, run_dbt
from hostile import contract_columns, external_vars, rename_in_footer, rows, run_dbt_concurrently, write_parquet

SEED = f"read_csv('{PROJECT_DIR / 'seeds' / 'function_invocations.csv'}', all_varchar = true)"
TYPED = ("select invocation_id, function_name, cast(version_id as integer) as version_id,"
         " cast(start_timestamp as timestamp) as start_timestamp, try_cast(end_timestamp as timestamp) as end_timestamp,"
         " cast(duration_ms as double) as duration_ms, cast(memory_used_mb as double) as memory_used_mb, status"
         f" from {SEED}")
# every column the staging kit adds beside a log's own (macros/staging/: mark_duplicates, staged_columns,
# staging_steps, incremental_log_slice, newest_accepted_log_time, the checks' read_parquet options)
KIT_COLUMNS = ["rows_with_key", "identical_rows", "copy_number", "repeated_key", "quarantine_reason", "loaded_from", "raw_row",
               "load_key", "raw_key", "raw_rows", "loaded_rows", "log_time", "filename", "file_row_number",
               *(f"raw_{column}" for column in contract_columns("function_invocations"))]
EXTRAS = {"none": "", "text": ", ".join(f"'x' as {name}" for name in KIT_COLUMNS),
          "integer": ", ".join(f"1 as {name}" for name in KIT_COLUMNS)}
MODELS = ["base_serverless__function_invocations", "stg_serverless__function_invocations",
          "stg_serverless__function_invocations_quarantine"]


def _invocations(extras: str, where: str) -> str:
    """The seed's invocations typed, with 3 exact copies of inv_001 and inv_002 repeated with another status."""
    logged = (f"select * from ({TYPED}) where {where}"
              f" union all select * from ({TYPED}) where invocation_id = 'inv_001' and {where}"
              f" union all select * from ({TYPED}) where invocation_id = 'inv_001' and {where}"
              f" union all select * replace ('TIMEOUT' as status) from ({TYPED}) where invocation_id = 'inv_002' and {where}")
    return f"select *{', ' + extras if extras else ''} from ({logged})"


def test_extra_columns_named_like_the_kits_own_are_ignored(tmp_path):
    """Before the fix a text `copy_number` stopped the build with a Binder Error naming no file, an integer
    `rows_with_key` of 2 quarantined every row as repeated, and a `copy_number` of 1 kept the copies."""
    for case, extras in EXTRAS.items():
        # the first file, then a later one with the rest: a full refresh, then an incremental run
        write_parquet(tmp_path / case / "logs", "function_invocations", _invocations(extras, "invocation_id < 'inv_030'"), part="a")

    def build(*full_refresh):
        return run_dbt_concurrently([
            (["run", "-s", "path:models/staging/serverless", *full_refresh, "--target-path", str(tmp_path / case / "target"),
              "--vars", external_vars(tmp_path / case / "logs")], tmp_path / case / "w.duckdb") for case in EXTRAS], workers=3)

    def staged(case):
        # loaded_from names the log's own folder
        return {model: sorted(rows(tmp_path / case / "w.duckdb", f"select columns(c -> c <> 'loaded_from') from staging.{model}"),
                              key=repr) for model in MODELS}

    for case, result in zip(EXTRAS, build("--full-refresh")):
        assert result.returncode == 0, (case, result.stdout[-3000:])
    expected = staged("none")
    assert [row[-1] for row in expected["stg_serverless__function_invocations_quarantine"]].count("exact duplicate of another row") == 2
    assert any("repeated with different values" in row[-1] for row in expected["stg_serverless__function_invocations_quarantine"])
    for case in EXTRAS:
        assert staged(case) == expected, case
    for case, extras in EXTRAS.items():
        write_parquet(tmp_path / case / "logs", "function_invocations", _invocations(extras, "invocation_id >= 'inv_030'"), part="b")
    for case, result in zip(EXTRAS, build()):
        assert result.returncode == 0, (case, result.stdout[-3000:])
    expected = staged("none")
    for case in EXTRAS:
        assert staged(case) == expected, case


def test_a_file_with_a_column_twice_stops_the_run(tmp_path):
    """DuckDB reads a file's columns in any case and would stage every row with the first of the two;
    a name written twice alike (pyarrow allows it) is read the same way."""
    seed = f"read_csv('{PROJECT_DIR / 'seeds' / 'api_gateway_logs.csv'}', all_varchar = true)"
    cases = {"case": ("SERVICE_NAME", "`SERVICE_NAME` and `service_name`"), "same": ("service_namf", "`service_name` and `service_name`")}
    for case, (first_name, _) in cases.items():
        logs = tmp_path / case / "logs"
        write_parquet(logs, "api_gateway_logs", f"select * from {seed} limit 5", part="plain")
        write_parquet(logs, "api_gateway_logs", f"select 'other' as \"{first_name}\", * rename (service_name as service_nam_)"
                      f" from {seed} limit 5", part="spark")
        rename_in_footer(logs / "api_gateway_logs" / "spark.parquet", {"service_nam_": "service_name", "service_namf": "service_name"}
                         if case == "same" else {"service_nam_": "service_name"})
        with duckdb.connect() as con:
            assert con.execute(f"select count(*) from parquet_schema('{logs}/api_gateway_logs/spark.parquet')"
                               " where lower(name) = 'service_name'").fetchall() == [(2,)]
    results = run_dbt_concurrently([
        (["run", "-s", "base_gateway__api_gateway_logs", "--target-path", str(tmp_path / case / "target"),
          "--vars", external_vars(tmp_path / case / "logs")], tmp_path / case / "w.duckdb") for case in cases], workers=2)
    for (case, (_, written_names)), result in zip(cases.items(), results):
        logs = tmp_path / case / "logs"
        message = " ".join(result.stdout.split())
        assert result.returncode != 0, case
        assert (f"{logs}/api_gateway_logs/ holds the column `service_name` more than once in a file, as {written_names}, "
                f"in 1 file(s) ({logs}/api_gateway_logs/spark.parquet)") in message, message[-3000:]
        assert "OK created" not in message, case


def invocation_sql(invocation_id: str, extras: str) -> str:
    return (f"select '{invocation_id}' as invocation_id, 'f' as function_name, 1 as version_id,"
            f" timestamp '2024-03-12 09:00:00' as start_timestamp, timestamp '2024-03-12 09:00:01' as end_timestamp,"
            f" 1.0 as duration_ms, 1.0 as memory_used_mb, 'SUCCESS' as status, {extras}")


def test_extra_columns_named_like_the_checks_own_are_ignored(tmp_path):
    """The checks before a run read the files with DuckDB's `filename` and `file_row_number` columns (text stored as
    bytes, a contract column in its files and in their folders): a log's own columns of those names stopped them
    with a Binder Error naming no file. They are read as any extra column, and the checks still stop the run. An
    extra column of bytes that are not UTF-8 (a sink's raw message beside its parsed fields) is not read either: it
    stopped every run, and the incremental ones read it even after the check let it pass (operator trial)."""
    # text as bytes without the UTF-8 mark; raw message bytes that are no text at all
    extras = "'x' as filename, 7 as file_row_number, encode('zürich') as comment, '\\x00\\xFF'::blob as kafka_value"
    for case, folder in (("agrees", "function_name=f/"), ("differs", "function_name=g/")):
        write_parquet(tmp_path / case / "logs", "function_invocations", invocation_sql("x1", extras), part=f"{folder}part-0")
    agrees, differs = run_dbt_concurrently([
        (["run", "-s", "base_serverless__function_invocations", "--target-path", str(tmp_path / case / "target"),
          "--vars", external_vars(tmp_path / case / "logs")], tmp_path / case / "w.duckdb") for case in ("agrees", "differs")],
        workers=2)
    assert agrees.returncode == 0, agrees.stdout[-3000:]
    assert rows(tmp_path / "agrees" / "w.duckdb", "select invocation_id, function_name, quarantine_reason"
                " from staging.base_serverless__function_invocations") == [("x1", "f", None)]
    write_parquet(tmp_path / "agrees" / "logs", "function_invocations", invocation_sql("x2", extras), part="function_name=f/part-1")
    appended = run_dbt(["run", "-s", "base_serverless__function_invocations", "--target-path", str(tmp_path / "agrees" / "target"),
                        "--vars", external_vars(tmp_path / "agrees" / "logs")], tmp_path / "agrees" / "w.duckdb", check=False)
    assert appended.returncode == 0, appended.stdout[-3000:]
    assert rows(tmp_path / "agrees" / "w.duckdb", "select invocation_id from staging.base_serverless__function_invocations"
                " order by 1") == [("x1",), ("x2",)]
    assert differs.returncode != 0
    log = tmp_path / "differs" / "logs" / "function_invocations"
    assert (f"has files inside `function_name=<value>/` folders that hold a `function_name` column of their own, with other "
            f"values: 1 row(s) in 1 file(s) ({log}/function_name=g/part-0.parquet), e.g. \"f\" in a file where its folder says \"g\""
            ) in " ".join(differs.stdout.split()), differs.stdout[-3000:]
