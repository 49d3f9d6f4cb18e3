"""A silent bucket of a count (oncall_analytics.detection.silence), without dbt: the Poisson z of k silent
buckets against the window's lowest count, by hand; no evidence without a whole window, with a zero in
it, or for a series of readings; the robust method's z is the more extreme of the kernel's and the
silence's; a service idle every weekend is excused by the weekly rule from its second weekend on."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from oncall_analytics.detection import methods, silence
from oncall_analytics.detection.series import series_edges

HOUR = 60


def _z(counts: list[float], window_hours: int = 4, is_count: bool = True, minutes: list[int] | None = None) -> np.ndarray:
    values = np.array(counts, dtype=float)
    minutes = np.array(minutes if minutes is not None else [HOUR * i for i in range(len(counts))], dtype=np.int64)
    return silence.silence_z(np.array([0, len(values)]), minutes, values, np.full(len(values), float(is_count)),
                             window_hours * HOUR, HOUR)


def test_k_silent_buckets_score_minus_sqrt_2_k_lambda_against_the_lowest_count_before_the_silence():
    z = _z([30, 20, 50, 40, 0, 0, 0, 35])
    assert np.isnan(z[:4]).all() and np.isnan(z[7])
    # one bucket at least 20 each; two in a row at least 50 (20 + 30): the stronger of the two readings
    assert z[4:7] == pytest.approx([-math.sqrt(2 * 20), -math.sqrt(2 * max(2 * 20, 50)), -math.sqrt(2 * max(3 * 20, 50))])


def test_no_evidence_without_a_whole_window_with_a_zero_in_it_or_for_readings():
    assert np.isnan(_z([30, 20, 0])).all()                                      # 2 hours of a 4-hour window
    assert np.isnan(_z([30, 20, 50, 40, 0], minutes=[0, 60, 120, 240, 300])).all()   # a gap in the window
    assert np.isnan(_z([30, 20, 50, 40, 0], is_count=False)).all()             # a reading of 0 is not a silence


def test_a_window_with_a_zero_gives_evidence_by_blocks_of_buckets():
    # a 4-hour window of 3, 0, 4, 2: no single hour has a rate to fall from; its lowest pair holds 3 events
    z = _z([3, 0, 4, 2, 0, 0, 0, 0])
    assert np.isnan(z[:5]).all()
    assert z[5:] == pytest.approx([-math.sqrt(2 * 3), -math.sqrt(2 * 3), -math.sqrt(2 * 2 * 3)])


def test_a_quiet_service_at_a_5_minute_grain_pages_within_its_first_silent_40_minutes():
    """60 requests an hour as 5-minute counts (Poisson, seeded): its lowest 5-minute count over two days is 0,
    but no 20 minutes of it had fewer than 8 requests, nor 40 minutes fewer than 19."""
    counts = np.random.default_rng(7).poisson(5.0, 48 * 12).astype(float)
    z = silence.silence_z(np.array([0, len(counts) + 12]), np.arange(len(counts) + 12, dtype=np.int64) * 5,
                          np.r_[counts, np.zeros(12)], np.ones(len(counts) + 12), 48 * 60, 5)
    assert counts.min() == 0
    silent = z[-12:]
    assert not (silent[:3] < -10 / 3).any() and (silent[3:] < -10 / 3).all()   # 20 minutes in, beyond the sustained level
    assert not (silent[:7] < -5).any() and (silent[7:] < -5).all()             # 40 minutes in, beyond k = 5


def test_series_do_not_reach_into_each_other():
    values = np.array([30, 20, 50, 40, 0, 0, 10, 10], dtype=float)   # a second series starts with a silence
    minutes = np.array([0, 60, 120, 180, 240, 0, 60, 120], dtype=np.int64)
    edges = series_edges(np.array([0, 0, 0, 0, 0, 1, 1, 1]))
    z = silence.silence_z(edges, minutes, values, np.ones(8), 4 * HOUR, HOUR)
    assert z[4] == -math.sqrt(40) and np.isnan(z[5:]).all()


def _weekly_batch_service(weeks: int = 3) -> pd.DataFrame:
    """A service of 200 to 211 requests an hour on weekdays and 30 to 35 at night, silent every weekend."""
    times = pd.date_range("2024-03-04", periods=weeks * 7 * 24, freq="h")   # a Monday
    weekend = times.dayofweek >= 5
    base = np.where((times.hour >= 8) & (times.hour < 20), 200, 30) + np.arange(len(times)) % 6
    return pd.DataFrame({"service_name": "batch/prod", "metric_name": "requests", "observed_at": times,
                         "value": np.where(weekend, 0, base).astype(float), "is_event_count": True})


def test_a_weekend_silence_pages_the_first_weekend_and_is_excused_by_the_weekly_rule_after():
    metrics = _weekly_batch_service()
    anomalies = methods.flag_anomalies(methods.score_robust(metrics, [48], 60), "robust", 48, 5.0)
    saturdays = anomalies[anomalies["observed_at"].dt.dayofweek == 5].groupby(anomalies["observed_at"].dt.date)
    first, *later = [(day["is_anomaly"].any(), day["matches_weekly_pattern"].any()) for _, day in saturdays]
    assert first == (True, False)
    assert later == [(False, True)] * 2
    # the silence z shows as sample_evidence_z, and the first silent hour is scored at it (the kernel's is milder)
    onset = anomalies[(anomalies["observed_at"] == pd.Timestamp("2024-03-09 00:00"))].iloc[0]
    assert onset["sample_evidence_z"] == -math.sqrt(2 * 30) and onset["z_score"] <= onset["sample_evidence_z"]


def test_without_the_count_marker_nothing_changes():
    metrics = _weekly_batch_service(weeks=2)
    marked = methods.score_robust(metrics, [48], 60)
    unmarked = methods.score_robust(metrics.drop(columns="is_event_count"), [48], 60)
    silent = marked["sample_evidence_z"].notna().to_numpy()
    assert silent.any() and unmarked["sample_evidence_z"].isna().all()
    assert (marked["z_score"][~silent].fillna(0) == unmarked["z_score"][~silent].fillna(0)).all()



def test_a_collapse_to_a_tenth_of_the_lowest_count_scores_its_poisson_z_and_a_dip_to_half_does_not():
    """An operator trial's main gateway fell to 21 requests in an hour against hundreds in its quietest: the
    kernel scored z -2.8 in the log's first days and nothing paged. A run of buckets at most a tenth of the
    window's lower quartile scores the Poisson z of its events against the window's lowest rate."""
    def poisson_z(events, rate):
        return -math.sqrt(2 * (rate - events + events * math.log(events / rate)))
    z = _z([300, 400, 500, 350, 320, 450, 380, 310, 21, 20, 12, 400], window_hours=8)
    assert np.isnan(z[:8]).all() and np.isnan(z[11])
    # the run goes on past its first bucket, now the window's lowest: 21, 41, 53 events against at least 300 an
    # hour (its quietest hour), 670 in two (its quietest pair), 900 in three
    assert z[8:11] == pytest.approx([poisson_z(21, 300), poisson_z(41, 670), poisson_z(53, 900)])
    assert z[8] < -20
    assert np.isnan(_z([300, 400, 500, 350, 150, 140])).all()   # half the quietest: the kernel's alone
    assert np.isnan(_z([300, 400, 500, 350, 40])).all()         # above a tenth of the lower quartile
    assert np.isnan(_z([300, 400, 500, 350, 21], is_count=False)).all()


def test_a_weekly_collapse_is_excused_by_the_weekly_rule_from_its_second_week():
    """A service whose traffic falls to 3 % every weekend (a batch job's clients away) pages its first weekend,
    as a silence does, and the weekly rule excuses the next: the week before was as low."""
    metrics = _weekly_batch_service()
    weekend = metrics["observed_at"].dt.dayofweek >= 5
    metrics.loc[weekend, "value"] = 1.0 + metrics.loc[weekend, "observed_at"].dt.hour % 2
    anomalies = methods.flag_anomalies(methods.score_robust(metrics, [48], 60), "robust", 48, 5.0)
    saturdays = anomalies[anomalies["observed_at"].dt.dayofweek == 5].groupby(anomalies["observed_at"].dt.date)
    first, *later = [(day["is_anomaly"].any(), day["matches_weekly_pattern"].any()) for _, day in saturdays]
    assert first == (True, False)
    assert later and all(matches and not paged for paged, matches in later)


def test_a_collapse_longer_than_a_quarter_of_the_window_scores_to_its_end():
    """Each bucket against the quartile of its own window ended a collapse once it filled a quarter of the
    window (the reviewer's gateway at 2 % of its traffic: flagged for 13 hours of 48, then z about 0). Every
    bucket of a run is judged against the quartile before the run."""
    rng = np.random.default_rng(11)
    times = pd.date_range("2024-03-04", periods=5 * 24, freq="h")
    normal = rng.poisson(np.where((times.hour >= 8) & (times.hour < 20), 900, 400)).astype(float)
    values = np.where(np.arange(len(times)) >= 3 * 24, rng.poisson(12, len(times)), normal).astype(float)
    metrics = pd.DataFrame({"service_name": "gateway/prod", "metric_name": "requests", "observed_at": times,
                            "value": values, "is_event_count": True})
    scored = methods.score_robust(metrics, [48], 60)
    collapse = scored[scored["observed_at"] >= times[3 * 24]]
    assert len(collapse) == 48 and collapse["sample_evidence_z"].notna().all()
    assert (collapse["z_score"] < -5).all()
