"""The invocation-log marts on the shipped seed: the scenario document's
expected values, the quarantine, and the self-join analysis."""
from __future__ import annotations

import datetime as dt

import duckdb

from conftest import PROJECT_DIR, run_dbt


def test_canary_reproduces_the_document(query):
    rows = query(
        "select version_id, total_invocations, error_count, error_rate_pct, avg_duration_ms,"
        " avg_memory_used_mb, baseline_version_id, verdict"
        " from marts.canary_version_comparison order by version_id"
    )
    assert rows == [
        (1, 3, 0, 0.00, 85.00, 128.00, 1, "BASELINE"),
        (2, 3, 1, 33.33, 173.33, 135.00, 1, "INSUFFICIENT_SAMPLE"),
    ]


def test_chains_reproduce_the_document(query):
    rows = query(
        "select function_name, previous_invocation_id, chained_invocation_id, chained_start_timestamp, gap_us"
        " from marts.chained_invocations order by chained_start_timestamp"
    )
    assert rows == [
        ("user_auth", "inv_014", "inv_015", dt.datetime(2023, 12, 2, 9, 0, 0, 51000), 1000),
        ("user_auth", "inv_015", "inv_016", dt.datetime(2023, 12, 2, 9, 0, 0, 91000), 500),
    ]
    assert query("select chain_id, chain_length from marts.invocation_chains") == [("user_auth:inv_014", 3)]


def test_bursts_raise_data_enrichment_errors(query):
    (ratio, effect), = query(
        "select error_rate_ratio, burst_error_effect from marts.burst_error_correlation"
        " where function_name = 'data_enrichment'"
    )
    assert effect == "HIGHER_IN_BURSTS" and ratio == 5.2


def test_every_raw_row_is_clean_or_quarantined_with_a_reason(query):
    (raw,), = query("select count(*) from raw.function_invocations")
    (clean,), = query("select count(*) from staging.stg_serverless__function_invocations")
    reasons = dict(query(
        "select invocation_id, quarantine_reason from staging.stg_serverless__function_invocations_quarantine"
    ))
    assert (raw, clean) == (61, 58)
    assert reasons == {
        "inv_058": "exact duplicate of another row",
        "inv_059": "end_timestamp is before start_timestamp",
        "inv_060": "status is not one of SUCCESS, ERROR",
    }


def test_self_join_analysis_agrees_with_the_mart_on_shipped_data(built_warehouse, tmp_path):
    run_dbt(["compile", "-s", "chained_invocations_self_join", "--target-path", str(tmp_path)], built_warehouse)
    compiled = next(tmp_path.rglob("chained_invocations_self_join.sql")).read_text()
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        self_join = con.execute(f"select function_name, previous_invocation_id, chained_invocation_id from ({compiled})").fetchall()
        mart = con.execute("select function_name, previous_invocation_id, chained_invocation_id from marts.chained_invocations").fetchall()
    assert sorted(self_join) == sorted(mart)
    assert (PROJECT_DIR / "analyses" / "chained_invocations_self_join.sql").exists()


def test_expected_table_tests_fail_when_the_mart_changes(built_warehouse, tmp_path):
    """The expected-table tests can fail: a tighter gap drops the 1000 µs link."""
    import shutil
    warehouse = tmp_path / built_warehouse.name
    shutil.copy(built_warehouse, warehouse)
    result = run_dbt(["build", "-s", "int_function_invocations__sequenced+", "--exclude", "test_type:unit",
                      "--vars", "{chain_max_gap_us: 999}"], warehouse, check=False)
    assert result.returncode != 0
    assert "FAIL 1 chains_match_scenario_2_expected_table" in result.stdout
