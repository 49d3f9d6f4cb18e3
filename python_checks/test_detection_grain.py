"""The detection at a 5-minute grain on the shipped data (one `dbt build -s`
of the detection marts into a module-scoped warehouse): the shipped
5-minute service_metrics sample's sharp incident (checkout-api, 2024-05-07
14:10-14:40) pages within 10 minutes of its start with the right root
cause, the gateway and invocation metrics are computed per 5-minute bucket,
and the hourly seed keeps one reading per hour. The build runs the unit
tests too (they pin the grain they describe), and an incremental run at
another grain, or with another zero_fill_max_hours, on that warehouse stops
instead of mixing two ways of bucketing.

The sample has one day of history before its incident; the robust method
scores once its scale rests on `min_history_hours` of residuals from
complete earlier days (24 by default: the third day), so the build sets
12 (the second day, the incident's)."""
from __future__ import annotations

import shutil
from datetime import datetime

import duckdb
import pytest

from conftest import run_dbt

GRAIN_VARS = "{detection_grain_minutes: 5, min_history_hours: 12}"
# the unit tests too: they pin the grain they describe, so a build at another grain runs them as they are
SELECTION = ["+incident_postmortems", "+alert_budget", "+metric_level_shifts", "--indirect-selection", "cautious"]
METRIC_MODELS = ["int_serverless__hourly_metrics", "int_gateway__hourly_metrics"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("grain") / "grain.duckdb"
    run_dbt(["build", "-s", *SELECTION, "--vars", GRAIN_VARS], warehouse)
    return warehouse


@pytest.fixture(scope="module")
def query(warehouse):
    def run(sql):
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()
    return run


def test_sharp_incident_pages_within_ten_minutes_with_its_root_cause(query):
    rows = query("select started_at, ended_at, root_cause_metric, duration_hours from marts.incidents where service_name = 'checkout-api'")
    assert len(rows) == 1
    started_at, ended_at, root, duration_hours = rows[0]
    assert datetime(2024, 5, 7, 14, 10) <= started_at <= datetime(2024, 5, 7, 14, 20)
    assert ended_at == datetime(2024, 5, 7, 14, 40) and duration_hours == pytest.approx(35 / 60)
    # both metrics jump at 14:10: one incident, the root the stronger evidence at onset (never the name)
    assert root == "error_rate"
    metrics = query("select metric_name, joined_by, onset_lag_hours from marts.incident_metrics m join marts.incidents i "
                    "using (incident_id) where i.service_name = 'checkout-api' order by root_cause_rank")
    assert metrics == [("error_rate", "root", 0.0), ("latency_p99_ms", "onset_gap", 0.0)]
    assert query("select count(*) from marts.incidents where service_name = 'search-api'") == [(0,)]
    assert query("select count(*) from marts.incident_postmortems i join marts.incidents using (incident_id) "
                 "where incidents.service_name = 'checkout-api'") == [(1,)]


def test_every_metric_is_bucketed_at_the_grain(query):
    """The 5-minute sample keeps its readings, the hourly seed one reading an hour, and the gateway and
    invocation metrics are computed per 5-minute bucket (not per hour)."""
    off_grain = query("select count(*) from intermediate.int_metrics__hourly where minute(observed_at) % 5 != 0 or second(observed_at) != 0")
    assert off_grain == [(0,)]
    per_source = dict(query("select source_model, count(distinct minute(observed_at)) from intermediate.int_metrics__hourly group by 1"))
    assert per_source["stg_metrics__service_metrics"] == 12
    assert per_source["stg_metrics__service_metrics_hourly"] == 1
    assert per_source["int_gateway__hourly_metrics"] > 1 and per_source["int_serverless__hourly_metrics"] > 1
    assert query("select count(*) from intermediate.int_metrics__hourly where source_model = 'stg_metrics__service_metrics'") == [(4 * 864,)]


def test_scores_and_budget_follow_the_grain(query):
    """Windows stay in hours: the scores are the current setting's (robust at 48 h), the budget's grid is the
    configured hours, and its current setting is the robust method's at 48 h."""
    assert query("select distinct anomaly_method, window_hours from intermediate.int_metrics__anomaly_scores") == [("robust", 48)]
    assert query("select distinct window_hours from marts.alert_budget order by 1") == [(24,), (48,), (72,), (168,)]
    assert query("select anomaly_method, window_hours from marts.alert_budget where is_current_setting") == [("robust", 48)]


def test_an_incremental_run_at_another_grain_stops_naming_both(warehouse, tmp_path):
    """The metric models record their grain; an incremental run at the default 60 minutes on the 5-minute
    warehouse would append hourly buckets to 5-minute ones, so it stops naming the var and both grains,
    and leaves the table as it was; a full refresh rebuilds it at the new grain."""
    copy = tmp_path / "grain.duckdb"
    shutil.copy(warehouse, copy)
    refused = run_dbt(["run", "-s", *METRIC_MODELS], copy, check=False)
    assert refused.returncode != 0
    assert "holds buckets of 5 minutes, and this run's detection_grain_minutes is 60" in refused.stdout
    assert "--full-refresh" in refused.stdout
    with duckdb.connect(str(copy), read_only=True) as con:
        for model in METRIC_MODELS:
            assert con.execute(f"select distinct grain_minutes from intermediate.{model}").fetchall() == [(5,)]
    run_dbt(["run", "-s", *METRIC_MODELS, "--full-refresh"], copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        for model in METRIC_MODELS:
            assert con.execute(f"select distinct grain_minutes from intermediate.{model}").fetchall() == [(60,)]
            assert con.execute(f"select count(*) from intermediate.{model} where minute(observed_at) != 0").fetchall() == [(0,)]


def test_an_incremental_run_with_another_zero_fill_stops_naming_both(warehouse, tmp_path):
    """The metric models record zero_fill_max_hours too: new silences filled by another rule than the stored
    ones would mix two series definitions without a word (README said "needs --full-refresh", nothing checked)."""
    copy = tmp_path / "grain.duckdb"
    shutil.copy(warehouse, copy)
    changed = GRAIN_VARS.replace("}", ", zero_fill_max_hours: 24}")
    refused = run_dbt(["run", "-s", *METRIC_MODELS, "--vars", changed], copy, check=False)
    assert refused.returncode != 0
    assert "holds buckets zero-filled with zero_fill_max_hours 168, and this run's is 24" in refused.stdout
    assert "Run with the zero_fill_max_hours the warehouse was built with" in refused.stdout
    run_dbt(["run", "-s", *METRIC_MODELS, "--vars", GRAIN_VARS], copy)   # the recorded setting: runs on
