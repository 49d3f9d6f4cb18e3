"""Hostile input against the schedule (`dbt source freshness`, then `dbt
build --selector hourly`): one row dated 2999 must neither freeze hourly loading
(the incremental watermark) nor make stale logs look fresh, and a malformed
timestamp must not crash source freshness (the shipped gateway seed has
'2024-03-12 25:61:00')."""
from __future__ import annotations

import json
from datetime import datetime

import duckdb

from conftest import PROJECT_DIR, run_dbt
from hostile import external_vars, rows, write_parquet

SERVERLESS = ["+stg_serverless__function_invocations", "+stg_serverless__function_invocations_quarantine",
              "--exclude", "test_type:unit", "tag:shipped_data", "test_name:quarantined_share"]


def _invocations_at(hours_ago: int, prefix: str) -> str:
    """Ten valid invocations `hours_ago` hours before now (UTC), and one dated 2999."""
    return f"""
        select '{prefix}-' || i as invocation_id, 'f' as function_name, 1 as version_id,
               cast(timezone('UTC', now()) as timestamp) - interval {hours_ago} hour + to_seconds(i) as start_timestamp,
               cast(timezone('UTC', now()) as timestamp) - interval {hours_ago} hour + to_seconds(i + 1) as end_timestamp,
               10.0 as duration_ms, 64.0 as memory_used_mb, 'SUCCESS' as status
        from range(10) as t(i)"""


def _freshness(source: str, logs, tmp_path) -> dict:
    target = tmp_path / "freshness-target"
    run_dbt(["source", "freshness", "-s", source, "--vars", external_vars(logs), "--target-path", str(target)],
            tmp_path / "freshness.duckdb", check=False)
    result, = json.loads((target / "sources.json").read_text())["results"]
    return result


def test_a_row_dated_2999_neither_freezes_loading_nor_makes_stale_logs_fresh(tmp_path):
    logs = tmp_path / "logs"
    far_future = ("select 'from-2999' as invocation_id, 'f', 1, timestamp '2999-01-01 00:00:00', timestamp '2999-01-01 00:00:01',"
                  " 10.0, 64.0, 'SUCCESS'")
    write_parquet(logs, "function_invocations", _invocations_at(10, "old") + " union all " + far_future)
    warehouse = tmp_path / "oncall_analytics.duckdb"
    run_dbt(["build", "-s", *SERVERLESS, "--vars", external_vars(logs)], warehouse)
    # the newest accepted invocation is 10 hours old: stale (error after 6 hours), 2999 or not
    assert _freshness("source:serverless", logs, tmp_path)["status"] == "error"
    # the next hour arrives and is loaded incrementally: 2999 is not the watermark
    write_parquet(logs, "function_invocations", _invocations_at(9, "new"), part="part-1")
    run_dbt(["build", "-s", *SERVERLESS, "--vars", external_vars(logs)], warehouse)
    loaded = {invocation_id for invocation_id, in rows(warehouse, "select invocation_id from staging.stg_serverless__function_invocations")}
    assert {f"new-{i}" for i in range(10)} <= loaded
    assert rows(warehouse, "select invocation_id, quarantine_reason from staging.stg_serverless__function_invocations_quarantine") == [
        ("from-2999", "start_timestamp is too far in the future (accepted_time_max_hours_ahead); "
                      "end_timestamp is too far in the future (accepted_time_max_hours_ahead)")]
    assert _freshness("source:serverless", logs, tmp_path)["status"] == "error"   # 9 hours old


def test_source_freshness_reads_past_a_malformed_timestamp(tmp_path):
    logs = tmp_path / "logs"
    (logs / "api_gateway_logs").mkdir(parents=True)
    with duckdb.connect() as con:   # the shipped seed as a text log: it holds '2024-03-12 25:61:00'
        con.execute(f"copy (select * from read_csv('{PROJECT_DIR / 'seeds' / 'api_gateway_logs.csv'}', all_varchar = true))"
                    f" to '{logs / 'api_gateway_logs' / 'part-0.parquet'}' (format parquet)")
    result = _freshness("source:gateway.api_gateway_logs", logs, tmp_path)
    assert result["status"] == "error"      # checked, and stale (the seed is from 2024), not a crash
    with duckdb.connect() as con:
        (newest,), = con.execute(
            f"select max(try_cast(timestamp as timestamp)) from read_csv('{PROJECT_DIR / 'seeds' / 'api_gateway_logs.csv'}', all_varchar = true)"
        ).fetchall()
    assert datetime.fromisoformat(result["max_loaded_at"]).replace(tzinfo=None) == newest


def test_source_freshness_without_logs_of_ones_own_says_why(tmp_path):
    """An operator trial ran `dbt source freshness` as the README's schedule does, first in seeds mode, then
    with a logs_path whose folders were still empty, and read DuckDB's "No files found" twice."""
    (tmp_path / "logs").mkdir()
    seeds = run_dbt(["source", "freshness", "-s", "source:serverless", "--target-path", str(tmp_path / "t1")],
                    tmp_path / "w1.duckdb", check=False)
    assert seeds.returncode != 0 and "No files found" not in seeds.stdout
    assert ("dbt source freshness checks your own logs, and log_source is \"seeds\": the shipped seeds are files that "
            "do not grow. Run it with --vars '{log_source: external, logs_path: <your logs>}'") in seeds.stdout
    empty = run_dbt(["source", "freshness", "-s", "source:serverless", "--vars", external_vars(tmp_path / "logs"),
                     "--target-path", str(tmp_path / "t2")], tmp_path / "w2.duckdb", check=False)
    assert empty.returncode != 0 and "No files found" not in empty.stdout
    assert f"{tmp_path / 'logs'}/function_invocations/ holds no *.parquet file (at any depth)" in empty.stdout
