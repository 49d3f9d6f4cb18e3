"""The built detection marts on the shipped data (one shared `dbt build`),
and the detection vars' validation."""
import pytest

from conftest import run_dbt

NOTEBOOK_FLAGS = [
    ("cache_hit_rate", 110), ("cache_hit_rate", 111), ("feature_null_rate", 219), ("feature_null_rate", 220),
    ("model_score_mean", 219), ("model_score_mean", 220), ("model_score_mean", 221), ("p99_ms", 110), ("p99_ms", 111),
]
HOURS = "cast(date_diff('hour', timestamp '2023-11-17 00:00:00', {}) as integer)"


def test_metric_anomalies_flags_are_the_notebook_solution(query):
    rows = query(f"select metric_name, {HOURS.format('observed_at')} from marts.metric_anomalies "
                 "where is_anomaly and service_name = 'ranking-service' order by 1, 2")
    assert rows == NOTEBOOK_FLAGS
    assert query("select count(*) from marts.metric_anomalies where is_anomaly and service_name != 'ranking-service'") == [(0,)]
    assert query("select count(*) from marts.metric_anomalies where service_name = 'ranking-service'") == [(14 * 24 * 7,)]


def test_incidents_localize_both_planted_incidents(query):
    rows = query(f"select {HOURS.format('started_at')}, root_cause_metric, involved_metrics from marts.incidents order by incident_id")
    assert [(hour, root) for hour, root, _ in rows] == [(110, "cache_hit_rate"), (219, "feature_null_rate")]
    assert rows[1][2].startswith("feature_null_rate (+0 h") and "model_score_mean (+0 h" in rows[1][2]


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
    current = query("select pages, false_pages, incidents_caught, incidents_missed from marts.alert_budget where is_current_setting")
    assert current == [(2, 0, 2, 0)]
    assert query("select count(*) from marts.alert_budget") == [(20,)]


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
])
def test_bad_detection_vars_fail_compilation_naming_the_var(tmp_path, bad_vars, name):
    """Python models' vars fail in the on-run-start hook, before any model runs; SQL models' inline."""
    result = run_dbt(["compile", "-s", "metric_anomalies", "alert_budget", "int_serverless__canary_traffic_split", "--vars", bad_vars],
                     tmp_path / "compile.duckdb", check=False)
    assert result.returncode != 0
    assert f"Invalid var '{name}'" in result.stdout
