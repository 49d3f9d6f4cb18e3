"""The detection marts built by dbt on metric sets other than the shipped
one (a throw-away project copy with its own seed): a planted incident whose
cause leads its symptom by 2 h under a name sorting after it, with missing
hours and a constant metric; a healthy service with a weekly batch spike; and
a set where nothing happens at all (empty marts, still typed)."""
from __future__ import annotations

import csv
import io

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import run_dbt
from detection_synthetic import long_format, planted_incident, weekly_spike_metrics
from project_copy import copy_project

HOUR_ZERO = pd.Timestamp("2024-03-04 00:00:00")
SELECTION = ["+incident_postmortems", "+alert_budget", "+srm_check", "+metric_level_shifts",
             "--indirect-selection", "cautious", "--exclude", "test_name:equals_expected", "test_type:unit"]


def as_seed(frame: pd.DataFrame) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["service_name", "metric_name", "observed_at", "value"])
    for row in frame.itertuples():
        writer.writerow([row.service_name, row.metric_name, row.observed_at.strftime("%Y-%m-%d %H:%M:%S"), repr(float(row.value))])
    return out.getvalue()


def build(tmp_path_factory, name: str, metrics: pd.DataFrame, dbt_vars: str | None = None):
    project = copy_project(tmp_path_factory.mktemp(name) / "p", {"service_metrics_hourly.csv": as_seed(metrics)})
    warehouse = project / "warehouse" / "oncall_analytics.duckdb"
    run_dbt(["build", "-s", *SELECTION, *(["--vars", dbt_vars] if dbt_vars else [])], warehouse, cwd=project)

    def query(sql):
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()
    return query


def unseen_metrics() -> tuple[pd.DataFrame, pd.Timestamp]:
    incident, onset = planted_incident(11, hours=21 * 24, lead_hours=2, missing_share=0.1)
    incident["observed_at"] = HOUR_ZERO + (incident["observed_at"] - incident["observed_at"].min())
    weekly = weekly_spike_metrics(4, first_spike=20)
    weekly["replicas"] = np.full(len(weekly["requests"]), 12.0)
    healthy = long_format(weekly, "batch-service", HOUR_ZERO)
    return pd.concat([incident, healthy], ignore_index=True), HOUR_ZERO + pd.Timedelta(hours=onset)


@pytest.fixture(scope="module")
def unseen(tmp_path_factory):
    metrics, onset = unseen_metrics()
    return build(tmp_path_factory, "unseen", metrics), onset


def test_unseen_set_gives_exactly_the_planted_incident(unseen):
    query, onset = unseen
    assert query("select service_name, started_at, root_cause_metric from marts.incidents") == [
        ("svc", onset.to_pydatetime(), "zz_upstream_cause")]
    lags = dict(query("select metric_name, onset_lag_hours from marts.incident_metrics"))
    assert lags == {"zz_upstream_cause": 0, "aa_symptom": 2}


def test_unseen_weekly_and_constant_metrics_never_flag(unseen):
    query, _ = unseen
    assert query("select count(*) from marts.metric_anomalies where is_anomaly and service_name = 'batch-service'") == [(0,)]
    assert query("select count(*) from marts.metric_anomalies where matches_weekly_pattern and metric_name = 'batch_rows_written'") == [(2,)]
    assert query("select count(*) from marts.metric_anomalies where is_anomaly and metric_name in ('build_info', 'replicas')") == [(0,)]


def test_unseen_postmortem_and_graph(unseen):
    query, _ = unseen
    assert query("select count(*) from marts.incident_postmortems") == [(1,)]
    edges = query("select cause_metric, effect_metric, lag_hours from marts.metric_causal_graph")
    assert ("zz_upstream_cause", "aa_symptom", 2) in edges


def test_the_paging_vars_reach_the_robust_incidents(tmp_path_factory):
    """The symptom starts 2 h after its cause. With incident_join_gap_hours 1 and a correlation no real pair
    reaches (1), nothing ties it to the open incident: it opens its own (an unrelated metric flagging inside
    an open incident pages), each incident with its own root cause."""
    metrics, onset = unseen_metrics()
    query = build(tmp_path_factory, "paging_vars", metrics, "{incident_join_gap_hours: 1, incident_join_min_abs_correlation: 1}")
    assert query("select service_name, started_at, root_cause_metric from marts.incidents order by incident_id") == [
        ("svc", onset.to_pydatetime(), "zz_upstream_cause"), ("svc", (onset + pd.Timedelta(hours=2)).to_pydatetime(), "aa_symptom")]


def test_nothing_happening_builds_empty_typed_marts(tmp_path_factory):
    rng = np.random.default_rng(0)
    quiet = long_format({"flat": np.full(200, 1.0), "noise": 5 + rng.normal(0, 0.1, 200)}, "quiet", HOUR_ZERO)
    query = build(tmp_path_factory, "quiet", quiet)
    assert query("select count(*) from marts.incidents") == [(0,)]
    types = dict(query("select column_name, data_type from information_schema.columns where table_name = 'incidents'"))
    assert types["service_name"] == "VARCHAR" and types["started_at"] == "TIMESTAMP"
    assert query("select count(*) from marts.incident_postmortems") == [(0,)]
