"""The built detection marts on the shipped data (one shared `dbt build`,
the default anomaly_method robust), the notebook method on the same data
(one `dbt build -s` of the detection marts with anomaly_method: notebook),
and the detection vars' validation."""
import shutil

import duckdb
import pytest

from conftest import run_dbt

NOTEBOOK_FLAGS = [
    ("cache_hit_rate", 110), ("cache_hit_rate", 111), ("feature_null_rate", 219), ("feature_null_rate", 220),
    ("model_score_mean", 219), ("model_score_mean", 220), ("model_score_mean", 221), ("p99_ms", 110), ("p99_ms", 111),
]
HOURS = "cast(date_diff('hour', timestamp '2023-11-17 00:00:00', {}) as integer)"


@pytest.fixture(scope="module")
def notebook_query(tmp_path_factory):
    """query(sql) against the detection marts built with anomaly_method: notebook (the shipped data)."""
    warehouse = tmp_path_factory.mktemp("notebook") / "notebook.duckdb"
    run_dbt(["build", "-s", "+incidents", "+alert_budget", "+metric_level_shifts", "--indirect-selection", "cautious",
             "--exclude", "test_type:unit", "--vars", "{anomaly_method: notebook}"], warehouse)

    def query(sql):
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()
    return query


def test_metric_anomalies_flags_are_the_notebook_solution(notebook_query):
    """anomaly_method: notebook reproduces the notebook's flags exactly (and the expected-output tests ran in its build)."""
    rows = notebook_query(f"select metric_name, {HOURS.format('observed_at')} from marts.metric_anomalies "
                          "where is_anomaly and service_name = 'ranking-service' order by 1, 2")
    assert rows == NOTEBOOK_FLAGS
    assert notebook_query("select count(*) from marts.metric_anomalies where is_anomaly and service_name != 'ranking-service'") == [(0,)]
    assert notebook_query("select count(*) from marts.metric_anomalies where service_name = 'ranking-service'") == [(14 * 24 * 7,)]
    assert notebook_query("select distinct anomaly_method, is_sustained from marts.metric_anomalies") == [("notebook", False)]
    assert notebook_query(f"select {HOURS.format('started_at')}, {HOURS.format('ended_at')}, root_cause_metric from marts.incidents "
                          "order by incident_id") == [(110, 111, "cache_hit_rate"), (219, 221, "feature_null_rate")]


def test_notebook_method_keeps_its_level_shift_and_budget(notebook_query):
    rows = notebook_query(f"select {HOURS.format('detected_at')}, is_silent from marts.metric_level_shifts where metric_name = 'ctr'")
    assert len(rows) == 1 and rows[0][1] and 225 <= rows[0][0] <= 229
    assert notebook_query("select anomaly_method, pages, false_pages, incidents_caught from marts.alert_budget "
                          "where is_current_setting") == [("notebook", 2, 0, 2)]


def test_default_robust_flags_only_the_planted_incidents(query):
    """The default method flags the planted incidents' metrics from their first hour, and nothing else:
    no other metric of ranking-service, no other service (the gateway, the functions, and the
    5-minute service_metrics sample's checkout-api and search-api, whose 30-minute incident vanishes
    in an hourly mean)."""
    first = query(f"select metric_name, min({HOURS.format('observed_at')}) from marts.metric_anomalies where is_anomaly "
                  "group by 1 order by 1")
    assert first == [("cache_hit_rate", 110), ("feature_null_rate", 219), ("model_score_mean", 219), ("p99_ms", 110)]
    assert query("select count(*) from marts.metric_anomalies where is_anomaly and service_name != 'ranking-service'") == [(0,)]
    assert query("select distinct anomaly_method from marts.metric_anomalies") == [("robust",)]
    services = {row[0] for row in query("select distinct service_name from marts.metric_anomalies")}
    assert {"ranking-service", "checkout-api", "search-api"} <= services  # the 5-minute sample is detected too


def test_series_the_detector_does_not_score_yet_warn(built_warehouse, tmp_path):
    """On a first day of one's own logs the robust detector scored nothing, and nothing said so (operator trial):
    the series with min_history_hours of buckets and none scored warn, named; the shipped build warns nothing."""
    warehouse = tmp_path / "oncall_analytics.duckdb"
    shutil.copy(built_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.metric_anomalies set is_scored = false where service_name = 'ranking-service'")
    result = run_dbt(["test", "-s", "test_name:detector_scores_series", "--target-path", str(tmp_path / "target")], warehouse)
    output = " ".join(result.stdout.split())
    assert "WARN=1" in output and ("detector: none of the buckets of 7 series is scored yet, though each holds 24 hours "
                                   "(min_history_hours) of buckets or more: ranking-service cache_hit_rate (336 buckets since "
                                   "2023-11-17 00:00:00), ranking-service ctr") in output, result.stdout[-3000:]
    assert "about two days after a series' first bucket. Until then these series page nobody" in output


def test_incidents_localize_both_planted_incidents(query):
    rows = query(f"select service_name, {HOURS.format('started_at')}, root_cause_metric, involved_metrics from marts.incidents "
                 "order by incident_id")
    assert [(service, hour, root) for service, hour, root, _ in rows] == [
        ("ranking-service", 110, "cache_hit_rate"), ("ranking-service", 219, "feature_null_rate")]
    assert rows[1][3].startswith("feature_null_rate (+0 h") and "model_score_mean (+0 h" in rows[1][3]
    joined = query("select metric_name, joined_by from marts.incident_metrics where not is_root_cause order by incident_id")
    assert joined == [("p99_ms", "onset_gap"), ("model_score_mean", "onset_gap")]


def test_level_shift_mart_catches_ctr_silently_within_hours(query):
    rows = query(f"select {HOURS.format('detected_at')}, is_silent from marts.metric_level_shifts where metric_name = 'ctr'")
    assert len(rows) == 1 and rows[0][1] and 225 <= rows[0][0] <= 229


def test_causal_graph_mart(query):
    rows = query("select cause_metric, effect_metric, lag_hours from marts.metric_causal_graph where incident_id = 2 order by lag_hours")
    assert rows == [("feature_null_rate", "model_score_mean", 0), ("model_score_mean", "ctr", 6)]


def test_srm_check_mart_on_the_shipped_canary(query):
    assert query("select observed_split, chi_square, p_value, verdict from marts.srm_check") == [
        ("v1: 3, v2: 3", 0.0, 1.0, "INSUFFICIENT_SAMPLE")]


def test_alert_budget_mart(query):
    """Both methods, every window and k of the grid; the current setting is the default method's."""
    current = query("select anomaly_method, pages, false_pages, incidents_caught, incidents_missed from marts.alert_budget "
                    "where is_current_setting")
    assert current == [("robust", 2, 0, 2, 0)]
    assert query("select anomaly_method, count(*) from marts.alert_budget group by 1 order by 1") == [("notebook", 20), ("robust", 20)]
    # at k 3 each method pays for its low threshold differently: the budget tells them apart
    assert query("select anomaly_method, pages, false_pages from marts.alert_budget where window_hours = 48 and anomaly_k = 3 "
                 "order by 1") == [("notebook", 3, 0), ("robust", 3, 1)]


def test_postmortems_mart_and_clean_staging(query):
    assert query("select count(*) from marts.incident_postmortems where impact is not null and prevention is not null") == [(2,)]
    assert query("select count(*) from staging.stg_metrics__service_metrics_hourly_quarantine") == [(0,)]


@pytest.mark.parametrize("bad_vars, name", [
    ("{anomaly_k: -1}", "anomaly_k"),
    ("{alert_budget_k_grid: 'three'}", "alert_budget_k_grid"),
    ("{alert_budget_window_grid: [24, 1.5]}", "alert_budget_window_grid"),
    ("{level_shift_window_hours: 0}", "level_shift_window_hours"),
    ("{python_model_packages: x.whl}", "python_model_packages"),
    ("{canary_expected_split: {1: 0}}", "canary_expected_split"),
    ("{anomaly_method: zscore}", "anomaly_method"),
    ("{detection_grain_minutes: 7}", "detection_grain_minutes"),
    ("{detection_grain_minutes: 120}", "detection_grain_minutes"),
    ("{detection_grain_minutes: 0}", "detection_grain_minutes"),
    ("{incident_quiet_hours: -1}", "incident_quiet_hours"),
    ("{incident_join_min_abs_correlation: 2}", "incident_join_min_abs_correlation"),
    ("{seasonality_time_zone: Mars/Olympus}", "seasonality_time_zone"),
])
def test_bad_detection_vars_fail_compilation_naming_the_var(tmp_path, bad_vars, name):
    """Python models' vars fail in the on-run-start hook, before any model runs; SQL models' inline."""
    result = run_dbt(["compile", "-s", "metric_anomalies", "alert_budget", "int_serverless__canary_traffic_split", "--vars", bad_vars],
                     tmp_path / "compile.duckdb", check=False)
    assert result.returncode != 0
    assert f"Invalid var '{name}'" in result.stdout
