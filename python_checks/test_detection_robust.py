"""The robust detector (oncall_analytics.detection.robust + paging) without dbt: the shipped data keeps
its two incidents, the unseen scenarios of test_detection_unseen and test_detection_localization give
exactly their planted incidents, and each rule of the kernel and of the paging does what its docstring
says (past only, gaps, evidence, flat and quantised metrics, seasonality only when real, any grain,
sustained evidence, level shifts under autocorrelation, one page per problem)."""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT_DIR
from detection_synthetic import long_format, planted_incident, weekly_spike_metrics
from oncall_analytics.detection import level_shifts, methods, paging, robust
from oncall_analytics.detection import series as series_module

HOUR = pd.Timedelta(hours=1)
ZERO = pd.Timestamp("2024-03-04 00:00:00")


def detect(frame: pd.DataFrame, robust_params: robust.RobustParams = robust.DEFAULTS,
           paging_params: paging.PagingParams = paging.DEFAULTS) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(scored rows with flags, incident_metrics, incidents) of a long frame at the params' grain."""
    scored = paging.flag_frame(robust.score_frame(frame, robust_params), paging_params)
    incident_metrics = paging.page_incidents(scored[scored["is_scored"]], robust_params.grain_minutes, paging_params)
    return scored, incident_metrics, paging.summarize_incidents(incident_metrics)


def hours_after(timestamps, zero) -> list[int]:
    return ((pd.to_datetime(pd.Series(timestamps)) - zero) // HOUR).tolist()


def series(values, start=ZERO, step=HOUR, metric="m", service="svc") -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    present = ~np.isnan(values)
    return pd.DataFrame({"service_name": service, "metric_name": metric,
                         "observed_at": start + step * np.flatnonzero(present), "value": values[present]})


# --- the shipped data and the unseen scenarios ---------------------------------------------------

def test_shipped_data_gives_both_planted_incidents_and_nothing_else():
    seed = pd.read_csv(PROJECT_DIR / "seeds" / "service_metrics_hourly.csv", parse_dates=["observed_at"])
    _, incident_metrics, incidents = detect(seed)
    zero = seed["observed_at"].min()
    assert hours_after(incidents["started_at"], zero) == [4 * 24 + 14, 9 * 24 + 3]
    assert incidents["root_cause_metric"].tolist() == ["cache_hit_rate", "feature_null_rate"]
    assert incidents["service_name"].unique().tolist() == ["ranking-service"]
    first = incident_metrics[incident_metrics["incident_id"] == 1].set_index("metric_name")
    assert first.loc["p99_ms", "onset_lag_minutes"] == 0  # p99 moves with the cache, in the same hour, with less evidence


def test_ctr_sagging_six_hours_later_joins_the_pipeline_incident_by_correlation():
    """At k = 4 the CTR sag (about 3.3 sd, 6 h after the nulls) flags too: it joins incident 2, not a new page,
    with the evidence shown: a rank correlation with the root cause at a 6-hour lag."""
    seed = pd.read_csv(PROJECT_DIR / "seeds" / "service_metrics_hourly.csv", parse_dates=["observed_at"])
    _, incident_metrics, incidents = detect(seed, paging_params=paging.PagingParams(anomaly_k=4))
    assert incidents["root_cause_metric"].tolist() == ["cache_hit_rate", "feature_null_rate"]
    ctr = incident_metrics[incident_metrics["metric_name"] == "ctr"].iloc[0]
    assert (ctr["incident_id"], ctr["joined_by"], ctr["join_lag_minutes"]) == (2, "correlation", 360)
    assert ctr["join_correlation"] < -0.6


@pytest.fixture(scope="module")
def unseen():
    """test_detection_unseen's metric set: a cause leading its symptom by 2 h with 10 % missing hours and a
    constant metric, and a healthy service with a weekly batch spike and a constant metric."""
    incident, onset = planted_incident(11, hours=21 * 24, lead_hours=2, missing_share=0.1)
    incident["observed_at"] = ZERO + (incident["observed_at"] - incident["observed_at"].min())
    weekly = weekly_spike_metrics(4, first_spike=20)
    weekly["replicas"] = np.full(len(weekly["requests"]), 12.0)
    frame = pd.concat([incident, long_format(weekly, "batch-service", ZERO)], ignore_index=True)
    return detect(frame), ZERO + onset * HOUR


def test_unseen_set_gives_exactly_the_planted_incident(unseen):
    (_, incident_metrics, incidents), onset = unseen
    assert list(incidents[["service_name", "started_at", "root_cause_metric"]].itertuples(index=False, name=None)) == [
        ("svc", onset, "zz_upstream_cause")]
    assert dict(zip(incident_metrics["metric_name"], incident_metrics["onset_lag_minutes"])) == {"zz_upstream_cause": 0, "aa_symptom": 120}


def test_unseen_weekly_and_constant_metrics_never_flag(unseen):
    (scored, _, _), _ = unseen
    batch = scored[scored["service_name"] == "batch-service"]
    assert not batch["is_anomaly"].any()
    # the spike of weeks 2 and 3 repeats week 1's (hour 20 of day 0 is before any score)
    repeats = batch[batch["matches_weekly_pattern"]]
    assert repeats["metric_name"].tolist() == ["batch_rows_written"] * 2
    assert hours_after(repeats["observed_at"], ZERO) == [20 + 168, 20 + 336]
    constant = scored[scored["metric_name"].isin(["build_info", "replicas"])]
    # flat: scored once the history is there (min_relative_scale), at z 0, never flagged
    assert constant["is_scored"].any() and (constant["z_score"].dropna() == 0).all() and not constant["is_anomaly"].any()


@pytest.mark.parametrize("shape", ["step", "decay"])
@pytest.mark.parametrize("missing_share", [0.0, 0.1])
def test_cause_leading_its_symptom_is_the_root_whatever_the_names(shape, missing_share):
    """test_detection_localization's scenarios: `zz_upstream_cause` leads `aa_symptom` by 1 or 2 hours."""
    for lead_hours in (1, 2):
        for seed in range(12):
            metrics, onset = planted_incident(seed, lead_hours=lead_hours, missing_share=missing_share, shape=shape)
            _, incident_metrics, incidents = detect(metrics)
            zero = metrics["observed_at"].min()
            assert hours_after(incidents["started_at"], zero) == [onset], (seed, lead_hours)
            assert incidents["root_cause_metric"].tolist() == ["zz_upstream_cause"], (seed, lead_hours)
            lags = incident_metrics.set_index("metric_name")["onset_lag_minutes"]
            assert lags["aa_symptom"] == 60 * lead_hours, (seed, lead_hours)


def test_healthy_services_with_weekly_batches_page_nothing():
    for seed in range(6):
        metrics = weekly_spike_metrics(seed, first_spike=9)
        metrics["replicas"] = np.full(len(metrics["requests"]), 12.0)
        _, _, incidents = detect(long_format(metrics))
        assert incidents.empty, seed


# --- the kernel ---------------------------------------------------------------------------------

def test_the_future_never_changes_a_past_score_or_flag():
    rng = np.random.default_rng(5)
    values = 50 + 10 * np.sin(np.arange(24 * 30) * 2 * np.pi / 24) + rng.normal(0, 1, 24 * 30)
    values[400] += 30
    full, _, _ = detect(series(values))
    changed = values.copy()
    changed[500:] = rng.normal(1000, 300, len(changed) - 500)
    cut, _, _ = detect(series(changed))
    columns = ["expected_value", "scale", "z_score", "is_scored", "is_anomaly", "weekly_reference_value"]
    pd.testing.assert_frame_equal(full.loc[:499, columns], cut.loc[:499, columns])
    assert full.loc[400, "is_anomaly"]


def test_baselines_and_scale_by_hand():
    """Level: median of the medians of the 8 six-hour blocks before the bucket's block; scale from the
    previous complete days' largest |residual| (per day) over the |N(0,1)| order statistic."""
    rng = np.random.default_rng(2)
    values = 100 + rng.normal(0, 2, 24 * 6)
    out = robust.score_series(ZERO + HOUR * np.arange(len(values)), values, robust.RobustParams(seasonal_scale_ratio=0))
    t = 24 * 5 + 7  # block of hours 126..131: the 8 blocks before are hours 78..125
    expected = np.median([np.median(values[s:s + 6]) for s in range(78, 126, 6)])
    assert out["expected_value"][t] == pytest.approx(expected)
    assert out["is_scored"][t] and not out["is_seasonal"][t]
    assert out["z_score"][t] == pytest.approx((values[t] - expected) / out["scale"][t])
    assert out["scale"][t] == out["scale"][24 * 5]  # one scale per day
    assert out["scale_points"][t] < 24 * 5 and out["scale_points"][t] >= 24  # residuals of the previous days only


def test_gaps_are_holes_and_evidence_is_reported():
    rng = np.random.default_rng(3)
    values = 20 + rng.normal(0, 1, 24 * 10)
    values[rng.random(len(values)) < 0.4] = np.nan  # 40 % of the hours missing
    values[24 * 8 + 5] = 40
    scored, _, _ = detect(series(values))
    assert scored["is_scored"].any()
    unscored = scored[~scored["is_scored"]]
    assert (unscored["scale_points"] < 24).all()  # not scored: less than min_history_hours of residuals behind it
    assert scored.loc[scored["observed_at"] == ZERO + (24 * 8 + 5) * HOUR, "is_anomaly"].item()
    short, _, _ = detect(series(20 + rng.normal(0, 1, 30)))  # 30 hours: not enough evidence yet, and it says so
    assert not short["is_scored"].any() and not short["is_anomaly"].any()


def test_flat_and_quantised_metrics_do_not_page_on_a_tick():
    rng = np.random.default_rng(4)
    flat = np.full(24 * 14, 7.0)
    counts = rng.poisson(0.3, 24 * 14).astype(float)  # mostly 0, sometimes 1 or 2
    scored, _, incidents = detect(pd.concat([series(flat, metric="flat"), series(counts, metric="counts")]))
    flat_scores = scored[scored["metric_name"] == "flat"]
    assert flat_scores["is_scored"].any() and (flat_scores["z_score"].dropna() == 0).all()
    quantised = scored[scored["metric_name"] == "counts"]
    assert quantised["is_scored"].any() and (quantised["scale"].dropna() >= 1.0).all()  # never below one step
    assert incidents.empty


def test_a_metric_that_barely_moved_pages_on_a_real_change_only():
    """Operator trial: a constant whose hourly means differ in their last bit (some buckets missed a reading)
    paged a 0.1 % change at z = 7e12; a constant with one tick of 0.001 in a fortnight paged a 0.01 % change at
    z = 10; a constant never scored, so a jump of 50 % or an idle queue that fills never paged. The scale is
    at least min_relative_scale (0.1 %) of the baseline; a series flat at zero has no size, and is not scored."""
    hours = 24 * 20
    at = 24 * 18 + 5

    def z_at(values):
        scores = robust.score_series(ZERO + HOUR * np.arange(hours), values)
        return scores["z_score"][at], scores

    last_bit = np.full(hours, 3.3)
    last_bit[100:300:7] = 3.2999999999999994
    last_bit[at] = 3.3033
    assert abs(z_at(last_bit)[0]) < 2                      # 0.1 % of the level: one scale
    one_tick = np.full(hours, 100.0)
    one_tick[60] = 100.001
    one_tick[at] = 100.01
    assert abs(z_at(one_tick)[0]) < 1
    jump = np.full(hours, 100.0)
    jump[at:at + 3] = 150
    assert z_at(jump)[0] == pytest.approx(500)
    assert np.isfinite(z_at(jump)[1]["z_score"]).sum() > 24 * 15
    idle_queue = np.zeros(hours)
    idle_queue[at:at + 3] = 500
    assert not z_at(idle_queue)[1]["is_scored"][:at + 3].any()


def test_the_daily_profile_is_used_only_when_it_is_real():
    rng = np.random.default_rng(6)
    hours = np.arange(24 * 14)
    noise = 10 + rng.normal(0, 1, len(hours))
    daily = 10 + 8 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 1, len(hours))
    dip = 24 * 11 + 6  # the daily peak hour: a value at the daily low is 16 sigma below the profile
    daily[dip] = 2.0
    scored, _, _ = detect(pd.concat([series(noise, metric="noise"), series(daily, metric="daily")]))
    assert not scored.loc[scored["metric_name"] == "noise", "is_seasonal"].any()
    cycle = scored[scored["metric_name"] == "daily"].reset_index(drop=True)
    assert cycle.loc[24 * 4:dip, "is_seasonal"].all()  # from the day the profile has enough days and beats the level
    assert cycle.loc[dip, "is_anomaly"] and cycle.loc[dip, "z_score"] < -5
    no_profile, _, _ = detect(series(daily), robust.RobustParams(seasonal_scale_ratio=0))
    assert not no_profile.loc[dip, "is_anomaly"]  # against the 48 h level the dip is ordinary


def test_a_sharp_incident_at_a_five_minute_grain_pages_within_ten_minutes():
    rng = np.random.default_rng(7)
    points = 288 * 5
    values = 200 + 30 * np.sin(2 * np.pi * np.arange(points) / 288) + rng.normal(0, 3, points)
    start = 288 * 4 + 100
    values[start:start + 6] += 60  # 30 minutes, 20 sigma
    five = robust.RobustParams(grain_minutes=5)
    _, _, incidents = detect(series(values, step=pd.Timedelta(minutes=5)), five)
    assert len(incidents) == 1
    assert ZERO + start * pd.Timedelta(minutes=5) <= incidents["started_at"].item() <= ZERO + (start + 2) * pd.Timedelta(minutes=5)


@pytest.mark.parametrize("grain_minutes", [60, 5])
def test_series_scored_together_equal_series_scored_alone(grain_minutes):
    """score_many lays many series on one grid: no look-back (level blocks, daily profile, scale days, last
    week) reaches another series, whatever the chunking, gaps and series lengths."""
    rng = np.random.default_rng(11)
    params = robust.RobustParams(grain_minutes=grain_minutes)
    per_day = params.points_per_day
    pieces = []
    for code, (days, offset) in enumerate([(30, 0), (3, 5), (20, 300), (9, 17), (1, 2)]):
        steps = np.sort(rng.choice(np.arange(days * per_day), size=int(days * per_day * 0.8), replace=False)) + offset * per_day
        level = 100 * (code + 1)  # very different levels: a leak would show at once
        values = level + rng.normal(0, code + 1, len(steps)) + 20 * (rng.random(len(steps)) < 0.01)
        pieces.append((code, steps * grain_minutes + 1440 * 19_000, values))
    codes = np.concatenate([np.full(len(p[1]), p[0]) for p in pieces])
    minutes = np.concatenate([p[1] for p in pieces])
    values = np.concatenate([p[2] for p in pieces])
    alone = {name: np.concatenate([robust.score_series(m, v, params)[name] for _, m, v in pieces]) for name in robust.OUTPUT_COLUMNS}
    for points in (64, 1 << 16):  # one series per chunk, and all in one
        together = series_module.chunked(functools.partial(robust.score_many, params=params), series_module.series_edges(codes),
                                         minutes, values, points=points)
        for name in robust.OUTPUT_COLUMNS:
            np.testing.assert_array_equal(together[name], alone[name], err_msg=name)
    assert alone["is_scored"].any() and alone["weekly_reference_value"][~np.isnan(alone["weekly_reference_value"])].size


@pytest.mark.parametrize("first_day, change", [("2025-03-16", "2025-03-30"), ("2025-10-12", "2025-10-26")])
def test_a_daily_cycle_on_local_time_does_not_page_when_the_clocks_change(first_day, change):
    """Traffic that follows Berlin's clock moves an hour in UTC when the clocks change: on UTC profiles it
    read as an anomaly for days (operator trial: two false incidents at 5 minutes). On the clock of
    time_zone the same time of day is 23 or 25 hours back, and nothing pages, while a real drop does."""
    rng = np.random.default_rng(1)
    times = pd.date_range(first_day, periods=288 * 24, freq="5min")
    local = times.tz_localize("UTC").tz_convert("Europe/Berlin")
    values = np.asarray(100 + 50 * np.sin(2 * np.pi * (local.hour + local.minute / 60 - 6) / 24) + rng.normal(0, 3, len(times)))
    frame = series(values, start=times[0], step=pd.Timedelta(minutes=5))
    on_utc, _, utc_incidents = detect(frame, robust.RobustParams(grain_minutes=5))
    assert len(utc_incidents) > 0 and on_utc.loc[on_utc["observed_at"] >= change, "is_anomaly"].any()
    berlin = robust.RobustParams(grain_minutes=5, time_zone="Europe/Berlin")
    assert len(detect(frame, berlin)[2]) == 0
    drop_at = np.flatnonzero(times == pd.Timestamp(change) + pd.Timedelta(days=2, hours=10))[0]
    values[drop_at:drop_at + 12] -= 40
    incidents = detect(series(values, start=times[0], step=pd.Timedelta(minutes=5)), berlin)[2]
    assert pd.to_datetime(incidents["started_at"]).tolist() == [times[drop_at]]


def test_grain_and_input_are_validated():
    with pytest.raises(ValueError, match="grain_minutes"):
        robust.RobustParams(grain_minutes=7)
    with pytest.raises(ValueError, match="scale_quantile"):
        robust.RobustParams(scale_quantile=1.0)
    with pytest.raises(ValueError, match="min_history_hours must be at most scale_hours"):   # never reached: nothing scored
        robust.RobustParams(min_history_hours=337)
    assert robust.RobustParams(min_history_hours=336).min_history_hours == 336
    times = ZERO + HOUR * np.arange(3)
    with pytest.raises(ValueError, match="bucket"):
        robust.score_series(times + pd.Timedelta(minutes=5), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="distinct and increasing"):
        robust.score_series(times[[0, 2, 1]], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="finite"):
        robust.score_series(times, [1.0, np.nan, 3.0])
    empty = robust.score_series(times[:0], [])
    assert set(empty) == set(robust.OUTPUT_COLUMNS) and all(len(column) == 0 for column in empty.values())


def test_level_shift_statistic_accounts_for_autocorrelation():
    """AR(1) noise (rho 0.8, sd 1) has long excursions: the mean z of 6 hours over its naive standard error
    sqrt(1/6) spreads about 3 times too wide and crosses 5 by chance; deflated by sqrt((1 - rho) / (1 + rho))
    it stays within about one standard deviation and never does, while a real shift of 8 sd for 12 hours does."""
    rng = np.random.default_rng(8)
    noise = np.zeros(24 * 40)
    for i in range(1, len(noise)):
        noise[i] = 0.8 * noise[i - 1] + rng.normal(0, 0.6)
    times = ZERO + HOUR * np.arange(len(noise))
    z = robust.score_series(times, noise)["z_score"]
    statistic = robust.level_shift_z(times, z)
    scored = ~np.isnan(statistic)
    naive = pd.Series(z).rolling(6).mean().to_numpy() * np.sqrt(6)
    assert np.std(statistic[scored]) < 1 < 1.5 < np.nanstd(naive[scored])
    assert np.sum(np.abs(statistic[scored]) > 5) == 0 < np.sum(np.abs(naive[scored]) > 5)
    shifted = noise.copy()
    shifted[24 * 30:24 * 30 + 12] += 8
    after = robust.level_shift_z(times, robust.score_series(times, shifted)["z_score"])
    assert np.nanmax(after[24 * 30:24 * 30 + 12]) > 5



def test_a_constant_that_steps_is_a_level_shift_from_its_first_hour():
    """Independent re-implementation trial: a constant 5 stepping to 6 after four days had z-scores of 0 before
    the step, so rho was 0/0 and the statistic NaN for the whole day of the step; the first alarm came 24 h
    late, its span starting 19 h after the step. No variation is no autocorrelation: rho 0."""
    times = ZERO + HOUR * np.arange(24 * 6)
    values = np.where(np.arange(len(times)) < 96, 5.0, 6.0)
    statistic = robust.level_shift_z(times, robust.score_series(times, values)["z_score"])
    assert statistic[96] > 5 and not (np.abs(statistic[:96]) > 5).any()   # NaN before (no rho yet) or 0


def test_level_shift_statistic_waits_for_an_estimate_of_the_autocorrelation():
    """A stationary daily cycle every 5 minutes (operator trial): its z-scores are strongly autocorrelated, and
    on the first scored day, with no earlier day to estimate rho from, the statistic read them as independent
    and raised a level shift on every series. It is NaN until min_history_hours of pairs precede the day."""
    rng = np.random.default_rng(5)
    params = robust.RobustParams(grain_minutes=5, level_shift_hours=6)
    times = ZERO + pd.Timedelta(minutes=5) * np.arange(288 * 10)
    hours = np.arange(len(times)) / 12
    values = 200 + 50 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 5, len(times))
    z = robust.score_series(times, values, params)["z_score"]
    statistic = robust.level_shift_z(times, z, params)
    first_scored_day = (np.flatnonzero(~np.isnan(z))[0] // 288) * 288
    assert np.isnan(statistic[first_scored_day:first_scored_day + 288]).all()
    assert (~np.isnan(statistic)).sum() > 288 and np.nanmax(np.abs(statistic)) < 5


def test_a_level_shift_of_a_daily_cycle_is_sized_against_the_profile():
    """A drop of 12 (6 sd) for a day in a daily cycle of amplitude 50: the robust statistic says `down`. Sized
    against the span's first expected value, the cycle's rise over the span gave the shift a sign of its own
    (operator trial: `down` with shift +0.7; here +20.8). The sizes now follow the statistic: expected against
    read over the span's scored buckets (at the first alarm, 3 of its 6 hours dropped: about -6)."""
    rng = np.random.default_rng(3)
    hours = np.arange(24 * 28)
    values = 100 + 50 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 2, len(hours))
    drop = slice(24 * 24 + 3, 24 * 25 + 3)   # from 03:00, on the cycle's rise
    values[drop] -= 12
    anomalies = methods.score_robust(series(values), [48], 60).assign(is_anomaly=False)
    shifts = level_shifts.detect_level_shifts(anomalies, 6, 5.0, 60, "robust")
    assert len(shifts) >= 1 and (shifts["direction"] == "down").all() and (shifts["shift"] < 0).all()
    first = shifts.iloc[0]
    assert drop.start <= hours_after([first["detected_at"]], ZERO)[0] < drop.stop
    assert -9 < first["shift"] < -3


# --- flags and pages ----------------------------------------------------------------------------

def test_sustained_evidence_just_under_k_flags_from_its_second_point():
    """2 of the last 3 beyond 2/3 k = 3.33 on the same side: a lone 4.0 does not flag, the second of 4.2, 4.1 does;
    -4.0 after them is on the other side; 3.5 after -4.0, 3.0 is alone; 4.0 two rows after a 9.0 outlier is not."""
    z = np.array([0.1, 4.0, 0.2, 0.3, 4.2, 4.1, -4.0, 3.0, 3.5, 9.0, np.nan, 4.0, 4.0])
    flags = paging.flag_points(z, np.full(len(z), np.nan), np.full(len(z), np.nan))
    assert np.flatnonzero(flags["is_anomaly"]).tolist() == [5, 9, 11, 12]
    assert np.flatnonzero(flags["is_sustained"]).tolist() == [5, 11, 12] and np.flatnonzero(flags["is_outlier"]).tolist() == [9]
    two_series = paging.flag_points(z, np.full(len(z), np.nan), np.full(len(z), np.nan), series_heads=np.array([0, 11]))
    assert not two_series["is_anomaly"][11] and two_series["is_anomaly"][12]  # a new series starts its count afresh


def scores_of(rows: list[tuple[str, int, float]], hours: int = 72) -> pd.DataFrame:
    """Scored buckets of service 's': every metric of `rows` has a N(0, 1) z each hour except the given (metric, hour, z)."""
    metrics = sorted({metric for metric, _, _ in rows})
    frame = pd.DataFrame([(m, h) for m in metrics for h in range(hours)], columns=["metric_name", "hour"])
    frame["z_score"] = np.clip(np.random.default_rng(0).normal(0, 1, len(frame)), -3, 3)
    for metric, hour, z in rows:
        frame.loc[(frame["metric_name"] == metric) & (frame["hour"] == hour), "z_score"] = z
    frame["service_name"] = "s"
    frame["observed_at"] = ZERO + HOUR * frame["hour"]
    frame["is_anomaly"] = frame["z_score"].abs() > 5
    return frame


def test_an_unrelated_metric_flagging_inside_an_open_incident_pages_anew():
    rows = [("a", h, 9.0) for h in range(10, 30)] + [("b", 18, 7.0)]
    incidents = paging.summarize_incidents(paging.page_incidents(scores_of(rows), 60))
    assert list(zip(hours_after(incidents["started_at"], ZERO), incidents["root_cause_metric"])) == [(10, "a"), (18, "b")]


def test_two_unrelated_spikes_hours_apart_are_two_pages():
    """Pearson's r of two lone spikes lined up by the lag search is 1; the rank correlation is not fooled."""
    rows = [("a", 20, 9.0), ("b", 24, 8.0)]
    incidents = paging.summarize_incidents(paging.page_incidents(scores_of(rows), 60))
    assert incidents["root_cause_metric"].tolist() == ["a", "b"]


def test_metrics_moving_together_are_one_incident_with_their_evidence():
    """b starts within the join gap; c starts 6 h later but follows the root's shape 6 h behind: it joins with its
    rank correlation and lag shown (ranks of a smooth shape line up at neighbouring lags too: the lag is approximate)."""
    shape = [9.0, 8.0, 7.0, 6.5, 6.0, 9.5, 8.5, 7.5]
    rows = [("a", 20 + i, z) for i, z in enumerate(shape)] + [("b", 21, 6.0)]
    rows += [("c", 26 + i, -z) for i, z in enumerate(shape)]
    incident_metrics = paging.page_incidents(scores_of(rows), 60).set_index("metric_name")
    assert incident_metrics["incident_id"].tolist() == [1, 1, 1]
    assert incident_metrics.loc["a", "joined_by"] == "root" and incident_metrics.loc["b", "joined_by"] == "onset_gap"
    assert incident_metrics.loc["c", "joined_by"] == "correlation"
    assert incident_metrics.loc["c", "join_correlation"] <= -0.6 and 300 <= incident_metrics.loc["c", "join_lag_minutes"] <= 480


def test_an_incident_ends_after_its_quiet_time():
    rows = [("a", 10, 9.0), ("a", 16, 9.0), ("a", 23, 9.0)]  # 6 h apart: one incident; then 7 h: a new one
    incidents = paging.summarize_incidents(paging.page_incidents(scores_of(rows), 60))
    assert hours_after(incidents["started_at"], ZERO) == [10, 23]
    assert hours_after(incidents["ended_at"], ZERO) == [16, 23]


def test_a_metric_flapping_inside_an_open_incident_is_one_row_of_it():
    """Independent re-implementation trial: a flags at 0 h and 8 h (quiet longer than incident_quiet_hours),
    b from 1 h to 6 h keeps the incident open: a's second episode joined it as a second row of a, which broke
    incident_metrics' (incident_id, metric_name) key and failed the build. Now one row: a's onset, last flag
    and every flag."""
    rows = [("a", 30, 40.0), ("a", 38, 40.0)] + [("b", h, 9.0) for h in range(31, 37)]
    incident_metrics = paging.page_incidents(scores_of(rows), 60)
    assert incident_metrics[["incident_id", "metric_name"]].values.tolist() == [[1, "a"], [1, "b"]]
    a = incident_metrics.set_index("metric_name").loc["a"]
    assert (hours_after([a["onset_at"], a["last_flag_at"]], ZERO), a["flagged_points"], a["joined_by"]) == ([30, 38], 2, "root")
    incident = paging.summarize_incidents(incident_metrics).iloc[0]
    assert (incident["metric_count"], incident["flagged_points"], hours_after([incident["ended_at"]], ZERO)) == (2, 8, [38])


def test_same_hour_onsets_go_to_the_strongest_evidence_not_the_name():
    for strong, weak in (("a_strong", "z_weak"), ("z_strong", "a_weak")):
        rows = [(strong, 30, 40.0), (weak, 30, 8.0), (weak, 31, 8.0)]
        incident_metrics = paging.page_incidents(scores_of(rows), 60)
        assert incident_metrics.loc[incident_metrics["is_root_cause"], "metric_name"].tolist() == [strong]


def test_no_anomalies_give_empty_typed_tables():
    incident_metrics = paging.page_incidents(scores_of([("a", 3, 1.0)]), 60)
    assert incident_metrics.empty and incident_metrics["incident_id"].dtype == "int64"
    assert paging.summarize_incidents(incident_metrics).empty
