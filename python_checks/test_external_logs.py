"""Bring your own logs: with `log_source: external` the staging models read
Parquet files by path instead of the seeds, and the marts come out the same."""
from __future__ import annotations

import duckdb
import pytest

from conftest import PROJECT_DIR, run_dbt

MARTS = ["canary_version_comparison", "chained_invocations", "invocation_chains", "burst_windows", "burst_error_correlation"]


@pytest.fixture(scope="module")
def external_build(tmp_path_factory):
    logs = tmp_path_factory.mktemp("logs")
    (logs / "function_invocations").mkdir()
    with duckdb.connect() as con:
        # typed columns, as a real export would have them, split over two files
        typed = (
            "select invocation_id, function_name, cast(version_id as integer) as version_id,"
            " cast(start_timestamp as timestamp) as start_timestamp, try_cast(end_timestamp as timestamp) as end_timestamp,"
            " cast(duration_ms as double) as duration_ms, cast(memory_used_mb as double) as memory_used_mb, status"
            f" from read_csv('{PROJECT_DIR / 'seeds' / 'function_invocations.csv'}', all_varchar = true)"
        )
        con.execute(f"copy ({typed} where invocation_id < 'inv_030') to '{logs}/function_invocations/part-0.parquet' (format parquet)")
        con.execute(f"copy ({typed} where invocation_id >= 'inv_030') to '{logs}/function_invocations/part-1.parquet' (format parquet)")
    warehouse = tmp_path_factory.mktemp("external") / "oncall_analytics.duckdb"
    run_dbt(["build", "-s", "path:models/staging/serverless", "path:models/intermediate/serverless",
             "path:models/marts/serverless", "source:serverless", "path:seeds/expected", "--exclude", "test_type:unit",
             # cautious: skip tests of other areas' marts that only share an expected seed with this selection
             "--indirect-selection", "cautious",
             "--vars", f"{{log_source: external, logs_path: '{logs}'}}"], warehouse)
    return warehouse


@pytest.mark.parametrize("mart", MARTS)
def test_external_logs_give_the_same_marts_as_the_seeds(external_build, built_warehouse, mart):
    def rows(path):
        with duckdb.connect(str(path), read_only=True) as con:
            return sorted(con.execute(f"select * from marts.{mart}").fetchall(), key=repr)
    assert rows(external_build) == rows(built_warehouse)


def _write_single_invocation(folder, start_sql):
    (folder / "function_invocations").mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            f"copy (select 'x1' as invocation_id, 'f' as function_name, 1 as version_id, {start_sql} as start_timestamp,"
            f" {start_sql} as end_timestamp, 1.0 as duration_ms, 1.0 as memory_used_mb, 'SUCCESS' as status)"
            f" to '{folder}/function_invocations/part-0.parquet' (format parquet)"
        )


@pytest.mark.parametrize(("start_sql", "fresh"), [
    ("cast(now() as timestamp) - interval 1 hour", True),
    ("cast('2023-12-01 10:00:00' as timestamp)", False),
])
def test_source_freshness_flags_logs_that_stopped_arriving(tmp_path, start_sql, fresh):
    _write_single_invocation(tmp_path / "logs", start_sql)
    result = run_dbt(["source", "freshness", "-s", "source:serverless", "--vars", f"{{log_source: external, logs_path: '{tmp_path / 'logs'}'}}"],
                     tmp_path / "oncall_analytics.duckdb", check=False)
    assert (result.returncode == 0) == fresh, result.stdout[-2000:]


def test_source_freshness_says_why_a_log_without_rows_is_stale(tmp_path):
    """The README's empty file for a log one does not have failed the hourly line's freshness every hour, with
    max_loaded_at 0001-01-01 and no reason (operator trial): it still fails, saying why and how to leave it out."""
    folder = tmp_path / "logs" / "function_invocations"
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"copy (select * from read_csv('{PROJECT_DIR}/seeds/function_invocations.csv', all_varchar = true) limit 0)"
                    f" to '{folder}/no_rows.parquet'")
    result = run_dbt(["source", "freshness", "-s", "source:serverless", "--vars", f"{{log_source: external, logs_path: '{tmp_path / 'logs'}'}}"],
                     tmp_path / "oncall_analytics.duckdb", check=False)
    assert result.returncode != 0
    assert ("source freshness: serverless.function_invocations has no row at all, so it reads as stale (max_loaded_at 0001-01-01). "
            "For a log you do not have (an empty file, as the README advises), leave it out of the check: --exclude "
            "source:serverless.function_invocations") in " ".join(result.stdout.split()), result.stdout[-2000:]


def test_schedule_selectors_exist(tmp_path):
    def selected(selector, resource_type):
        result = run_dbt(["ls", "--selector", selector, "--resource-type", resource_type, "--output", "name", "-q"],
                         tmp_path / "w.duckdb")
        return set(result.stdout.split())

    hourly = selected("hourly", "model")
    # the detector and everything it reads, loaded incrementally ...
    assert {"metric_anomalies", "incidents", "base_gateway__api_gateway_logs", "stg_serverless__function_invocations",
            "int_metrics__hourly"} <= hourly
    # ... but not the daily grid search, nor the incident-time answers built on demand
    assert not {"alert_budget", "srm_check", "tsg_action_plan", "canary_version_comparison", "invocation_chains"} & hourly
    hourly_tests = selected("hourly", "test")
    daily_tests = selected("daily_full", "test")
    # the hourly marts' keys, links and SLO checks guard what notify sends ...
    assert {"unique_incidents_incident_id", "relationships_incident_metrics_incident_id__incident_id__ref_incidents_",
            "slo_burn_rate_alerts_are_consistent"} <= hourly_tests
    assert any(t.startswith("unique_combination_of_columns_metric_anomalies") for t in hourly_tests)
    # ... their column checks wait for the daily run, and so do staging's whole-log tests
    assert not any(t.startswith(("not_null_", "accepted_values_", "accepted_range_", "matches_declared_columns_")) for t in hourly_tests)
    assert {"not_null_incidents_incident_id", "matches_declared_columns_incidents_"} <= daily_tests
    assert not any("stg_" in t for t in hourly_tests)
    # the share of quarantined rows among those the run loads, on each log it loads; the whole log's share is daily
    recent_shares = {t for t in hourly_tests if t.startswith("quarantined_share_")}
    assert len(recent_shares) == 4 and all("_100__" in t for t in recent_shares), recent_shares
    assert {t for t in daily_tests if t.startswith("quarantined_share_") and "_100__" not in t} - hourly_tests
    assert {"alert_budget", "tsg_action_plan", "canary_version_comparison"} <= selected("daily_full", "model")
    # the unit tests check the code on fixed inputs: CI and `make build` run them, not the daily run on the day's logs
    assert selected("daily_full", "unit_test") == set() and selected("daily_full", "seed")
