"""The rolling z-score detector (int_metrics__anomaly_scores + metric_anomalies)
through its pure functions: notebook parity, no lookahead, time-based windows,
flat baselines and the weekly-pattern rule."""
import numpy as np
import pandas as pd
import pytest

from detection_synthetic import HOUR_ZERO, SCORES, detect, hour_of, long_format, notebook_metrics, weekly_spike_metrics
from oncall_analytics.detection.series import factorize_runs, series_edges, series_heads, series_order

NOTEBOOK_FLAGS = {
    "cache_hit_rate": [110, 111], "p99_ms": [110, 111],
    "feature_null_rate": [219, 220], "model_score_mean": [219, 220, 221],
}


def notebook_solution(metrics, window=48, k=5.0):
    """The notebook's reference loop (test oracle only)."""
    flags = {}
    for name, values in metrics.items():
        flags[name] = [hour for hour in range(window, len(values))
                       if values[hour - window:hour].std() > 0
                       and abs(values[hour] - values[hour - window:hour].mean()) > k * values[hour - window:hour].std()]
    return flags


def flags_by_metric(anomalies, column="is_anomaly"):
    flagged = anomalies[anomalies[column]]
    return {m: sorted(hour_of(g["observed_at"]).tolist()) for m, g in flagged.groupby("metric_name")}


def test_flags_equal_the_notebook_solution_on_the_shipped_data():
    assert flags_by_metric(detect(long_format(notebook_metrics(), "ranking-service"))) == NOTEBOOK_FLAGS


@pytest.mark.parametrize("offset", [0.0, 1e6])
def test_baseline_equals_numpy_on_full_windows(offset):
    """Prefix sums, not numpy's per-window mean/std: equal to about 1e-12 relative,
    also for a series far from zero (where naive sums of squares cancel)."""
    metrics = {name: values + offset for name, values in notebook_metrics().items()}
    scores = SCORES.score_metrics(long_format(metrics), [48], 0.5)
    for name, values in metrics.items():
        series = scores[scores["metric_name"] == name].reset_index(drop=True)
        expected_mean = np.array([values[h - 48:h].mean() for h in range(48, len(values))])
        expected_std = np.array([values[h - 48:h].std() for h in range(48, len(values))])
        np.testing.assert_allclose(series["baseline_mean"].to_numpy()[48:], expected_mean, rtol=1e-12)
        np.testing.assert_allclose(series["baseline_std"].to_numpy()[48:], expected_std, rtol=1e-9 if offset == 0 else 1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("window, k", [(48, 5.0), (24, 3.0), (72, 4.0)])
def test_matches_the_notebook_loop_for_other_seeds_and_settings(seed, window, k):
    """Before the weekly-pattern rule (which the notebook lacks) the outliers are the notebook's."""
    metrics = notebook_metrics(seed)
    expected = {m: h for m, h in notebook_solution(metrics, window, k).items() if h}
    assert flags_by_metric(detect(long_format(metrics), window, k), "is_outlier") == expected


def test_changing_the_future_never_changes_a_past_flag():
    """Property test (seeded random cases): perturb every value after hour t,
    including dropping hours; nothing at or before t may change."""
    rng = np.random.default_rng(2024)
    for case in range(60):
        hours = int(rng.integers(60, 240))
        values = rng.normal(0, 1, hours) + np.where(rng.random(hours) < 0.05, rng.normal(0, 20, hours), 0)
        values[rng.random(hours) < 0.1] = np.nan
        cut = int(rng.integers(1, hours - 1))
        future = values.copy()
        future[cut + 1:] = rng.normal(0, 50, hours - cut - 1)
        future[cut + 1:][rng.random(hours - cut - 1) < 0.2] = np.nan
        window = int(rng.choice([6, 24, 48]))
        before, after = (detect(long_format({"m": v}), window, 3.0) for v in (values, future))
        horizon = HOUR_ZERO + pd.Timedelta(hours=cut)
        past = [frame[frame["observed_at"] <= horizon].reset_index(drop=True) for frame in (before, after)]
        pd.testing.assert_frame_equal(past[0], past[1], obj=f"case {case}")


def test_window_is_by_time_so_missing_hours_are_holes_not_shifts():
    values = np.arange(100, dtype=float)
    values[40:50] = np.nan  # ten missing hours
    scores = SCORES.score_metrics(long_format({"m": values}), [24], 0.0)
    at_hour_60 = scores[scores["observed_at"] == HOUR_ZERO + pd.Timedelta(hours=60)].iloc[0]
    assert at_hour_60["baseline_points"] == 14  # hours 36-39 and 50-59
    assert at_hour_60["baseline_mean"] == pytest.approx(np.mean(np.r_[36:40, 50:60]), rel=1e-12)


def test_hours_need_a_whole_window_of_history_and_enough_observed_hours():
    values = np.random.default_rng(1).normal(0, 1, 120)
    values[60:90] = np.nan
    scores = SCORES.score_metrics(long_format({"m": values}), [48], 0.5)
    scored = set(hour_of(scores.loc[scores["is_scored"], "observed_at"]))
    assert min(scored) == 48
    assert 100 not in scored  # only 48 - 30 - 10 = 8 of 48 hours observed
    assert 115 in scored      # 25 of 48 hours observed


def test_a_flat_baseline_flags_nothing_and_raises_nothing():
    values = np.full(200, 7.0)
    values[150] = 8.0   # a change after a flat window: std 0, no flag
    values[199] = 0.1 * 3  # floating-point noise must not make the flat window non-flat
    with np.errstate(all="raise"):
        anomalies = detect(long_format({"flat": values, "zero": np.zeros(200)}))
    flat_at_150 = anomalies[(anomalies["metric_name"] == "flat") & (anomalies["observed_at"] == HOUR_ZERO + pd.Timedelta(hours=150))].iloc[0]
    assert flat_at_150["baseline_std"] == 0.0 and pd.isna(flat_at_150["z_score"]) and not flat_at_150["is_anomaly"]
    assert not anomalies.loc[anomalies["metric_name"] == "zero", "is_anomaly"].any()


def test_a_weekly_spike_pages_in_its_first_week_only():
    for seed in range(10):
        anomalies = detect(long_format(weekly_spike_metrics(seed, first_spike=60)))
        flagged = anomalies[anomalies["is_anomaly"] & (anomalies["metric_name"] == "batch_rows_written")]
        assert hour_of(flagged["observed_at"]).tolist() == [60], seed
        later = anomalies[(anomalies["metric_name"] == "batch_rows_written") & anomalies["matches_weekly_pattern"]]
        assert hour_of(later["observed_at"]).tolist() == [228, 396], seed


def test_the_weekly_rule_never_excuses_an_outlier_when_last_week_was_ordinary():
    rng = np.random.default_rng(5)
    values = 100 + rng.normal(0, 3, 24 * 14)
    values[200] += 25  # about 8 sigma, last week's hour 32 was ordinary
    anomalies = detect(long_format({"m": values}))
    assert hour_of(anomalies.loc[anomalies["is_anomaly"], "observed_at"]).tolist() == [200]


def test_output_has_the_contract_columns_and_one_row_per_input_row():
    frame = long_format(notebook_metrics())
    anomalies = detect(frame)
    assert list(anomalies.columns[:8]) == ["service_name", "metric_name", "observed_at", "value", "baseline_mean",
                                           "baseline_std", "z_score", "is_anomaly"]
    assert len(anomalies) == len(frame)


def test_duplicate_hours_are_rejected():
    frame = long_format({"m": np.arange(10.0)})
    with pytest.raises(ValueError, match="more than one value"):
        SCORES.score_metrics(pd.concat([frame, frame.iloc[[3]]]), [4], 0.5)


def test_factorize_runs_equals_pandas_factorize_in_any_order():
    rng = np.random.default_rng(3)
    grouped = np.repeat(np.array(["svc-b", "svc-a", "svc-c", None], dtype=object), 5)
    shuffled = rng.permutation(grouped)
    with_nan = np.array([np.nan, "x", np.nan, "x", "w"], dtype=object)
    for column in [grouped, shuffled, with_nan, np.array([], dtype=object)]:
        codes, uniques = factorize_runs(column)
        expected_codes, expected_uniques = pd.factorize(column, sort=True)
        assert codes.tolist() == expected_codes.tolist()
        assert list(uniques) == list(expected_uniques)


def test_series_scored_together_equal_series_scored_alone():
    """score_series lays many series on one grid (score_metrics' chunks): no window or last-week lookup
    reaches another series, and the sums stay as exact as one series' alone."""
    rng = np.random.default_rng(5)
    pieces = []
    for code, (hours, scale) in enumerate([(400, 1e6), (30, 1e-3), (200, 1.0), (3, 5.0)]):
        steps = np.sort(rng.choice(np.arange(hours + 50), size=hours, replace=False)) + 1000 * code
        values = scale * (10 + rng.normal(0, 1, hours))
        values[: hours // 4] = values[0]  # a flat stretch
        pieces.append((code, steps, values))
    codes = np.concatenate([np.full(len(p[1]), p[0]) for p in pieces])
    hours = np.concatenate([p[1] for p in pieces])
    values = np.concatenate([p[2] for p in pieces])
    together = SCORES.score_series(hours, values, 24, 0.5, edges=series_edges(codes))
    for name, column in together.items():
        alone = np.concatenate([SCORES.score_series(h, v, 24, 0.5)[name] for _, h, v in pieces])
        if column.dtype.kind == "f":
            np.testing.assert_allclose(column, alone, rtol=1e-12, atol=0, err_msg=name)
        else:
            np.testing.assert_array_equal(column, alone, err_msg=name)
    assert np.isfinite(together["z_score"]).sum() > 300


def test_a_series_that_overflows_its_sums_is_not_scored_and_spares_the_others():
    """Values near the float limit overflow their series' sums to inf: that series is not scored, and the
    series laid after it on the grid score as they do alone (a trial: one series near 1e306 stopped the
    scoring of every later one, their prefix sums NaN)."""
    rng = np.random.default_rng(8)
    huge = rng.normal(1e306, 1e305, 200)
    ordinary = rng.normal(100, 1, 200)
    ordinary[150] = 150
    hours = np.r_[np.arange(200), np.arange(200)]
    with np.errstate(all="raise"):   # nor a warning
        together = SCORES.score_series(hours, np.r_[huge, ordinary], 48, 1.0, edges=np.array([0, 200, 400]))
    alone = SCORES.score_series(np.arange(200), ordinary, 48, 1.0)
    assert not together["is_scored"][:200].any() and np.isnan(together["z_score"][:200]).all()
    np.testing.assert_array_equal(together["is_scored"][200:], alone["is_scored"])
    np.testing.assert_allclose(together["z_score"][200:], alone["z_score"], rtol=1e-12)
    assert together["z_score"][350] > 5


def test_series_order_takes_an_ordered_frame_as_it_stands_and_sorts_any_other():
    """An ordered frame is used in place (rows None, no copy); shuffled, with rows lacking a name, time or
    finite value, or with series out of name order, it gives the same series, sorted, those rows left out."""
    ordered = pd.DataFrame({"service_name": ["a", "a", "a", "b", "b"], "metric_name": ["x", "x", "y", "x", "x"],
                            "observed_at": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 00:00",
                                                           "2024-01-01 05:00", "2024-01-01 06:00"]),
                            "value": [1.0, 2.0, 3.0, 4.0, 5.0]})
    rows, edges, minutes, values = series_order(ordered)
    assert rows is None and edges.tolist() == [0, 2, 3, 5] and values.tolist() == [1, 2, 3, 4, 5]
    bad = pd.DataFrame({"service_name": [None, "a", "a"], "metric_name": ["x", "x", "x"],
                        "observed_at": pd.to_datetime(["2024-01-01 02:00", None, "2024-01-01 03:00"]), "value": [9.0, 9.0, np.nan]})
    messy = pd.concat([ordered, bad]).sample(frac=1, random_state=4)
    for frame in (messy, ordered.iloc[[3, 4, 0, 1, 2]]):
        rows, edges, minutes, values = series_order(frame)
        assert frame.iloc[rows]["value"].tolist() == [1, 2, 3, 4, 5]
        assert edges.tolist() == [0, 2, 3, 5] and values.tolist() == [1, 2, 3, 4, 5]
        assert minutes.tolist() == (ordered["observed_at"].to_numpy().astype("datetime64[m]").astype(np.int64)).tolist()


def test_series_heads_tell_grouped_time_ordered_rows_from_others():
    frame = pd.DataFrame({"service_name": ["b", "b", "a", "a"], "metric_name": "m",
                          "observed_at": pd.to_datetime(["2024-01-01 05:00", "2024-01-01 06:00", "2024-01-01 00:00", "2024-01-01 01:00"])})
    assert series_heads(frame)[0].tolist() == [0, 2] and series_heads(frame)[1]  # grouped; name order not needed
    interleaved = frame.iloc[[0, 2, 1, 3]].reset_index(drop=True)
    assert not series_heads(interleaved)[1]
    backwards = frame.iloc[[1, 0, 2, 3]].reset_index(drop=True)
    assert series_heads(backwards)[0].tolist() == [0, 2] and not series_heads(backwards)[1]
