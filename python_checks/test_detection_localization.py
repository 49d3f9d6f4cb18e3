"""Incident localization (incident_metrics + incidents) on scenarios it was
not tuned on: other seeds and incident times, a cause leading its symptom by
1-2 h, symptom names sorting before the cause's, missing hours, a constant
metric, a weekly pattern. Each must give exactly the planted incidents."""
import numpy as np
import pandas as pd
import pytest

from detection_synthetic import (
    HOUR_ZERO,
    INCIDENTS,
    detect,
    hour_of,
    localize,
    long_format,
    notebook_metrics,
    planted_incident,
    weekly_spike_metrics,
)


def test_notebook_asserts_hold_on_the_shipped_data():
    incidents = localize(long_format(notebook_metrics(), "ranking-service"))
    assert hour_of(incidents["started_at"]).tolist() == [110, 219]
    assert incidents["root_cause_metric"].tolist() == ["cache_hit_rate", "feature_null_rate"]
    assert hour_of(incidents["ended_at"]).tolist() == [111, 221]


@pytest.mark.parametrize("seed", range(25))
def test_notebook_structure_with_other_seeds(seed):
    incidents = localize(long_format(notebook_metrics(seed)))
    assert incidents["root_cause_metric"].tolist() == ["cache_hit_rate", "feature_null_rate"]
    assert np.all(np.abs(hour_of(incidents["started_at"]) - [110, 219]) <= 3)


@pytest.mark.parametrize("lead_hours", [1, 2])
@pytest.mark.parametrize("shape", ["step", "decay"])
@pytest.mark.parametrize("missing_share", [0.0, 0.1])
def test_cause_leading_its_symptom_is_the_root_whatever_the_names(lead_hours, shape, missing_share):
    """`zz_upstream_cause` leads `aa_symptom`: name order would pick the symptom."""
    for seed in range(12):
        metrics, onset = planted_incident(seed, lead_hours=lead_hours, missing_share=missing_share, shape=shape)
        incidents = localize(metrics)
        assert len(incidents) == 1, (seed, incidents[["started_at", "involved_metrics"]].to_dict("records"))
        assert hour_of(incidents["started_at"]).tolist() == [onset], seed
        assert incidents["root_cause_metric"].iloc[0] == "zz_upstream_cause", seed
        lags = INCIDENTS.localize(detect(metrics), 24).set_index("metric_name")["onset_lag_hours"]
        assert lags["aa_symptom"] == lead_hours, seed


def test_same_hour_onsets_go_to_the_strongest_evidence_not_the_name():
    rng = np.random.default_rng(3)
    hours = 200
    weak = 10 + rng.normal(0, 1, hours)
    strong = 10 + rng.normal(0, 1, hours)
    weak[150:] += 8     # ~8 sigma
    strong[150:] += 40  # ~40 sigma
    for strong_name, weak_name in (("a_strong", "z_weak"), ("z_strong", "a_weak")):
        incidents = localize(long_format({strong_name: strong.copy(), weak_name: weak.copy()}))
        assert incidents["root_cause_metric"].tolist() == [strong_name]


def test_root_cause_tie_break_ignores_row_order():
    metrics, _ = planted_incident(4, lead_hours=1)
    shuffled = metrics.sample(frac=1, random_state=0)
    pd.testing.assert_frame_equal(localize(metrics), localize(shuffled))


def test_a_constant_metric_and_a_weekly_pattern_raise_no_incident():
    """Healthy service: noise, daily cycles, a constant metric and a weekly
    batch spike whose first occurrence falls before the first scored hour."""
    for seed in range(10):
        metrics = weekly_spike_metrics(seed, first_spike=9)
        metrics["replicas"] = np.full(len(metrics["requests"]), 12.0)
        assert localize(long_format(metrics)).empty, seed


def test_incidents_on_two_services_stay_apart():
    first, onset_first = planted_incident(1)
    second, onset_second = planted_incident(2)
    both = pd.concat([first, second.assign(service_name="other")], ignore_index=True)
    incidents = localize(both).sort_values("service_name")
    assert incidents["service_name"].tolist() == ["other", "svc"]
    assert hour_of(incidents["started_at"]).tolist() == [onset_second, onset_first]


def test_flags_further_apart_than_the_gap_are_two_incidents():
    flags = pd.DataFrame({
        "service_name": "s", "metric_name": ["a", "b", "a"], "z_score": [9.0, 6.0, 7.0], "is_anomaly": True,
        "observed_at": HOUR_ZERO + pd.to_timedelta([0, 24, 49], unit="h"),
    })
    incidents = INCIDENTS.summarize(INCIDENTS.localize(flags, 24))
    assert incidents["incident_id"].tolist() == [1, 2]
    assert hour_of(incidents["started_at"]).tolist() == [0, 49]
    assert incidents["metric_count"].tolist() == [2, 1]


def test_no_flags_give_empty_tables_with_the_columns():
    anomalies = detect(long_format({"m": np.ones(100)}))
    metrics = INCIDENTS.localize(anomalies, 24)
    incidents = INCIDENTS.summarize(metrics)
    assert metrics.empty and incidents.empty
    assert list(incidents.columns[:5]) == ["incident_id", "service_name", "started_at", "ended_at", "root_cause_metric"]
