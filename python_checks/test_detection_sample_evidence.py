"""A share or a percentile weighed by the events behind it (oncall_analytics.detection.sample_evidence),
without dbt: the binomial evidence by hand and against the exact tail, the pooled window (the bucket
itself and other series left out), the cap in each direction, and the case that paged in the operator
trial: one 5xx among a quiet hour's few requests pages no more, five do, and the notebook method is
untouched. A p99 of a quiet hour (its slowest request) after busy hours does not flag; a busy hour's and
an always-quiet service's keep their z. A function run by a schedule (the same count every hour, never
failing) pages on its first failures and on a surge, not on one more invocation."""
from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from oncall_analytics.detection import methods, sample_evidence
from oncall_analytics.detection.series import series_edges

START = pd.Timestamp("2024-03-01")
ONE_IN_EIGHT = pd.Timestamp("2024-03-05 02:00")   # a quiet hour: 8 requests, one 5xx
FIVE_IN_SIX = pd.Timestamp("2024-03-06 03:00")     # a quiet hour: 6 requests, five 5xx


def exact_upper_tail_z(bad: int, size: int, null: float) -> float:
    """The z of P(X >= bad) for X ~ Binomial(size, null), by summing the tail."""
    def log_term(k: int) -> float:
        return (math.lgamma(size + 1) - math.lgamma(k + 1) - math.lgamma(size - k + 1)
                + k * math.log(null) + (size - k) * math.log1p(-null))
    tail = sum(math.exp(log_term(k)) for k in range(bad, size + 1))
    return NormalDist().inv_cdf(1 - tail)


def test_binomial_z_by_hand():
    # every event bad: 2 n KL(1 || p0) = 2 n ln(1 / p0)
    assert sample_evidence.binomial_z(np.array([1.0]), np.array([0.01]), np.array([6]))[0] == pytest.approx(math.sqrt(12 * math.log(100)))
    # none bad: 2 n ln(1 / (1 - p0)), downwards
    assert sample_evidence.binomial_z(np.array([0.0]), np.array([0.5]), np.array([8]))[0] == pytest.approx(-math.sqrt(16 * math.log(2)))
    # at the expected share: no evidence; more events, more evidence for the same share
    assert sample_evidence.binomial_z(np.array([0.1]), np.array([0.1]), np.array([50]))[0] == 0.0
    small, large = sample_evidence.binomial_z(np.array([0.2, 0.2]), np.array([0.1, 0.1]), np.array([10, 1000]))
    assert 0 < small < large
    # not a share, no events, no usable null: no evidence
    out = sample_evidence.binomial_z(np.array([1.5, 0.5, 0.5, 0.5]), np.array([0.1, 0.1, 0.0, np.nan]), np.array([10, 0, 10, 10]))
    assert np.isnan(out).all()


@pytest.mark.parametrize("bad, size, null", [(1, 7, 0.0017), (3, 7, 0.0017), (5, 6, 0.002), (30, 1000, 0.01), (60, 2000, 0.02)])
def test_binomial_z_follows_the_exact_tail(bad, size, null):
    """The likelihood-ratio z is the tail's z up to the count's discreteness: within 0.6 of it."""
    z = sample_evidence.binomial_z(np.array([bad / size]), np.array([null]), np.array([size]))[0]
    assert z == pytest.approx(exact_upper_tail_z(bad, size, null), abs=0.6)


def test_past_window_sums_leave_out_the_bucket_and_other_series():
    rng = np.random.default_rng(3)
    codes = np.repeat([0, 1, 2], [40, 1, 25])
    minutes = np.concatenate([np.sort(rng.choice(5000, size, replace=False)) * 60 for size in (40, 1, 25)])
    column = rng.integers(0, 9, len(codes)).astype(float)
    window = 600
    (sums,) = sample_evidence.past_window_sums(series_edges(codes), minutes, [column], window)
    by_hand = [column[(codes == codes[i]) & (minutes >= minutes[i] - window) & (minutes < minutes[i])].sum() for i in range(len(codes))]
    np.testing.assert_array_equal(sums, by_hand)


def test_the_null_is_never_below_the_pooled_share_of_the_window():
    # 48 error-free hours of 100 requests, then one bad request in 10: null = 0.5 / 4801, not the expected 0
    minutes = np.arange(49) * 60
    values = np.r_[np.zeros(48), 0.1]
    sizes = np.r_[np.full(48, 100.0), 10.0]
    evidence = sample_evidence.share_evidence(np.array([0, 49]), minutes, values, sizes, np.zeros(49), 48 * 60)
    null = 0.5 / 4801
    assert evidence[-1] == pytest.approx(sample_evidence.binomial_z(np.array([0.1]), np.array([null]), np.array([10]))[0])
    # a kernel's expectation above the pooled share is the null
    evidence = sample_evidence.share_evidence(np.array([0, 49]), minutes, values, sizes, np.full(49, 0.1), 48 * 60)
    assert evidence[-1] == 0.0
    # rows without a sample size get none, and do not count in another row's window
    sizes_with_gaps = sizes.copy()
    sizes_with_gaps[:24] = np.nan
    evidence = sample_evidence.share_evidence(np.array([0, 49]), minutes, values, sizes_with_gaps, np.zeros(49), 48 * 60)
    assert np.isnan(evidence[:24]).all()
    assert evidence[-1] == pytest.approx(sample_evidence.binomial_z(np.array([0.1]), np.array([0.5 / 2401]), np.array([10]))[0])


def test_the_cap_keeps_the_direction_and_the_smaller_size():
    z = np.array([27.5, -9.0, 6.0, 4.0, np.nan, 6.0])
    evidence = np.array([2.8, -3.0, -2.0, 9.0, 5.0, np.nan])
    np.testing.assert_array_equal(sample_evidence.cap_by_evidence(z, evidence), [2.8, -3.0, 0.0, 4.0, np.nan, 6.0])


def quiet_service() -> pd.DataFrame:
    """Six days of a gateway service: 200 requests an hour from 08:00 to 20:00 with a 5xx every fifth hour,
    6 to 8 an hour at night without any; one 5xx in a night hour of day 5, five in one of day 6."""
    rows = []
    for hour in range(24 * 6):
        at = START + pd.Timedelta(hours=hour)
        busy = 8 <= at.hour < 20
        requests = 200 + (hour * 7) % 23 if busy else 6 + hour % 3
        bad = {ONE_IN_EIGHT: 1, FIVE_IN_SIX: 5}.get(at, int(busy and hour % 5 == 0))
        rows += [("quiet/prod", "requests", at, float(requests), None),
                 ("quiet/prod", "server_error_rate", at, bad / requests, requests)]
    return pd.DataFrame(rows, columns=["service_name", "metric_name", "observed_at", "value", "sample_size"])


def anomalies(frame: pd.DataFrame, method: str = "robust") -> pd.DataFrame:
    scores = methods.score_metrics(frame, [48], 0.5, 60, methods=(method,))
    flagged = methods.metric_anomalies(scores, method, 48, 5.0)
    return flagged.set_index(["metric_name", "observed_at"])


def test_one_5xx_in_a_quiet_hour_does_not_page_five_do():
    flagged = anomalies(quiet_service())
    assert flagged.loc[("server_error_rate", ONE_IN_EIGHT), "sample_size"] == 8
    one = flagged.loc[("server_error_rate", ONE_IN_EIGHT)]
    assert one["z_score"] == pytest.approx(one["sample_evidence_z"]) and one["z_score"] < 3
    five = flagged.loc[("server_error_rate", FIVE_IN_SIX)]
    assert five["is_anomaly"] and five["z_score"] > 5
    assert flagged.index[flagged["is_anomaly"]].tolist() == [("server_error_rate", FIVE_IN_SIX)]
    # the counterfactual: the same buckets without their sample sizes page both (z 27.5 for the one 5xx)
    blind = anomalies(quiet_service().drop(columns="sample_size"))
    assert blind.index[blind["is_anomaly"]].tolist() == [("server_error_rate", ONE_IN_EIGHT), ("server_error_rate", FIVE_IN_SIX)]
    assert blind.loc[("server_error_rate", ONE_IN_EIGHT), "z_score"] > 20


def test_the_notebook_method_shows_the_sample_size_and_caps_nothing():
    frame = quiet_service()
    notebook = anomalies(frame, "notebook")
    blind = anomalies(frame.drop(columns="sample_size"), "notebook")
    pd.testing.assert_series_equal(notebook["z_score"], blind["z_score"])
    assert notebook["sample_evidence_z"].isna().all()
    assert notebook.loc[("server_error_rate", ONE_IN_EIGHT), "sample_size"] == 8
    assert pd.isna(notebook.loc[("requests", ONE_IN_EIGHT), "sample_size"])


def test_chunks_of_series_give_what_one_pass_gives():
    """Over 65,536 share rows the evidence is computed chunk by chunk of whole series, on threads; rows without
    a sample size in between are left out of every window."""
    rng = np.random.default_rng(5)
    lengths = rng.integers(500, 3000, 60)
    codes = np.repeat(np.arange(60), lengths)
    minutes = np.concatenate([np.sort(rng.choice(20_000, size, replace=False)) * 60 for size in lengths])
    sizes = rng.integers(1, 300, len(codes)).astype(float)
    sizes[rng.random(len(codes)) < 0.1] = np.nan
    values = rng.binomial(np.nan_to_num(sizes).astype(int), 0.02) / np.where(np.isnan(sizes), 1.0, sizes)
    expected = np.where(rng.random(len(codes)) < 0.5, np.nan, 0.02)
    evidence = sample_evidence.share_evidence(series_edges(codes), minutes, values, sizes, expected, 48 * 60)
    kept = ~np.isnan(sizes)
    assert kept.sum() > 65_536
    one_pass = sample_evidence.chunk_evidence(minutes[kept], values[kept], sizes[kept], expected[kept], series_edges(codes[kept]), 48 * 60)
    np.testing.assert_allclose(evidence[kept], one_pass["evidence"], rtol=1e-12)
    assert np.isnan(evidence[~kept]).all()


SLOW_NIGHT = pd.Timestamp("2024-03-05 03:00")    # a quiet hour: one of its 6 requests takes 2.8 s
SLOW_DAY = pd.Timestamp("2024-03-05 14:00")      # a busy hour: its slowest 1 % take 3 s


def quiet_service_latency(slow_hour: pd.Timestamp, quiet_every_hour: bool = False) -> pd.DataFrame:
    """Six days of a service's p99 latency (ms): 200 requests an hour from 08:00 to 20:00 (a p99 of 280 to
    320), 6 to 8 at night (their slowest, 200 to 330), and one slow hour on day 5 (SLOW_NIGHT or SLOW_DAY;
    one at a time: the kernel's scale remembers a slow hour for days). `quiet_every_hour`: 6 to 8
    requests every hour (a service that is always quiet)."""
    rows = []
    for hour in range(24 * 6):
        at = START + pd.Timedelta(hours=hour)
        busy = 8 <= at.hour < 20 and not quiet_every_hour
        requests = 200 + (hour * 7) % 23 if busy else 6 + hour % 3
        p99 = 280.0 + (hour * 13) % 41 if busy else 200.0 + (hour * 37) % 131
        p99 = {SLOW_NIGHT: 2800.0, SLOW_DAY: 3000.0}[at] if at == slow_hour else p99
        rows += [("quiet/prod", "requests", at, float(requests), None, None),
                 ("quiet/prod", "p99_latency_ms", at, p99, requests, 0.99)]
    return pd.DataFrame(rows, columns=["service_name", "metric_name", "observed_at", "value", "sample_size", "quantile_level"])


def test_quantile_evidence_by_hand():
    """0 for a p99 of fewer than 100 events when at least half of the window's buckets before it had 100
    or more; NaN otherwise (100 events are a tail of one, 1 - 0.99 in binary notwithstanding; a window
    without buckets claims nothing; one huge bucket among small ones does not make them usual)."""
    minutes = np.array([0, 60, 120, 180, 240, 300, 360])
    sizes = np.array([150.0, 50.0, 99.0, 100.0, 99.0, 8.0, 5000.0])
    levels = np.full(7, 0.99)
    evidence = sample_evidence.quantile_evidence(np.array([0, 7]), minutes, sizes, levels, 3 * 60)
    # the window's buckets with 100 events or more: -, 1 of 1, 1 of 2, 1 of 3, 1 of 3, 1 of 3, 1 of 3
    np.testing.assert_array_equal(evidence, [np.nan, 0.0, 0.0, np.nan, np.nan, np.nan, np.nan])
    minutes, sizes = np.array([0, 60, 120, 180]), np.array([5000.0, 20.0, 30.0, 8.0])
    evidence = sample_evidence.quantile_evidence(np.array([0, 4]), minutes, sizes, np.full(4, 0.99), 3 * 60)
    np.testing.assert_array_equal(evidence, [np.nan, 0.0, 0.0, np.nan])  # 1 of 1, 1 of 2, then 1 of 3
    # another level: a p90 needs 10 events; rows without a level or a size are not percentiles
    evidence = sample_evidence.quantile_evidence(np.array([0, 4]), minutes, np.array([20.0, 9.0, 9.0, np.nan]),
                                                 np.array([0.9, 0.9, np.nan, 0.9]), 3 * 60)
    np.testing.assert_array_equal(evidence, [np.nan, 0.0, np.nan, np.nan])


def test_one_slow_request_in_a_quiet_hour_does_not_page_a_slow_busy_hour_does():
    flagged = anomalies(quiet_service_latency(SLOW_NIGHT))
    night = flagged.loc[("p99_latency_ms", SLOW_NIGHT)]
    assert (night["sample_size"], night["sample_evidence_z"], night["z_score"], night["is_anomaly"]) == (6, 0.0, 0.0, False)
    assert not flagged["is_anomaly"].any()
    # the counterfactual: without the bucket's events the one slow request pages
    blind = anomalies(quiet_service_latency(SLOW_NIGHT).drop(columns=["sample_size", "quantile_level"]))
    assert blind.index[blind["is_anomaly"]].tolist() == [("p99_latency_ms", SLOW_NIGHT)]
    # a busy hour's p99 rests on its tail: it keeps its z and pages
    busy = anomalies(quiet_service_latency(SLOW_DAY))
    assert busy.index[busy["is_anomaly"]].tolist() == [("p99_latency_ms", SLOW_DAY)]
    assert busy.loc[("p99_latency_ms", SLOW_DAY), "sample_size"] > 100
    assert pd.isna(busy.loc[("p99_latency_ms", SLOW_DAY), "sample_evidence_z"])


def test_an_always_quiet_service_keeps_its_percentile_z():
    """Its buckets never held 100 requests: the scale was learnt from its slowest requests, and the z stands."""
    quiet = quiet_service_latency(SLOW_NIGHT, quiet_every_hour=True)
    flagged = anomalies(quiet)
    blind = anomalies(quiet.drop(columns=["sample_size", "quantile_level"]))
    assert flagged["sample_evidence_z"].isna().all()
    pd.testing.assert_series_equal(flagged["z_score"], blind["z_score"])
    assert flagged.loc[("p99_latency_ms", SLOW_NIGHT), "is_anomaly"]


EVENT_HOUR = START + pd.Timedelta(hours=100)


def scheduled_function(name: str, invocations: int, failures: int) -> pd.DataFrame:
    """A function a schedule runs 12 times an hour, that never failed in four days, then one hour of
    `invocations` with `failures` of them failing; its counts are marked as counts (is_event_count)."""
    rows = []
    for hour in range(110):
        at = START + pd.Timedelta(hours=hour)
        count, bad = (invocations, failures) if at == EVENT_HOUR else (12, 0)
        rows += [(name, "invocations", at, float(count), None, 1), (name, "error_rate", at, bad / count, count, 0)]
    return pd.DataFrame(rows, columns=["service_name", "metric_name", "observed_at", "value", "sample_size", "is_event_count"])


def test_a_scheduled_function_pages_on_its_first_failures_and_a_surge_not_on_one_more_run():
    """A share that never moved has a scale of 0, and its first failures were not scored (twelve of twelve
    failing paged nobody): they now score their binomial evidence. A count's scale is at least its Poisson
    noise: one more invocation than the schedule's 12 scored z 83 and paged."""
    cases = {"one_more": (13, 0), "one_fails": (12, 1), "three_fail": (12, 3), "all_fail": (12, 12), "five_times": (60, 0)}
    flagged = anomalies(pd.concat([scheduled_function(name, *case) for name, case in cases.items()], ignore_index=True))
    flagged = flagged.reset_index().set_index(["service_name", "metric_name", "observed_at"])
    at = {name: flagged.loc[(name, metric, EVENT_HOUR)] for name, metric in
          [("one_more", "invocations"), ("five_times", "invocations"), ("one_fails", "error_rate"), ("three_fail", "error_rate"),
           ("all_fail", "error_rate")]}
    assert at["one_more"]["z_score"] == pytest.approx(1 / math.sqrt(12))                    # was 1 / (0.001 x 12) = 83
    assert at["five_times"]["z_score"] == pytest.approx(48 / math.sqrt(12))
    # against the pooled share of 48 clean hours, (0 + 0.5) / (576 + 1)
    null = 0.5 / 577
    for name, bad in (("one_fails", 1), ("three_fail", 3), ("all_fail", 12)):
        assert at[name]["is_scored"] and at[name]["z_score"] == pytest.approx(at[name]["sample_evidence_z"])
        assert at[name]["z_score"] == pytest.approx(sample_evidence.binomial_z(np.array([bad / 12]), np.array([null]), np.array([12]))[0])
    assert [round(at[name]["z_score"], 1) for name in ("one_fails", "three_fail", "all_fail")] == [2.7, 5.4, 13.0]
    assert sorted(flagged.index[flagged["is_anomaly"]].tolist()) == [
        ("all_fail", "error_rate", EVENT_HOUR), ("five_times", "invocations", EVENT_HOUR), ("three_fail", "error_rate", EVENT_HOUR)]
    # the flat hours before are scored too, at their (small) evidence, from the hour the kernel has the history
    # to score the function's invocations (a count that never moved either, scored against its floor)
    clean = flagged.loc["all_fail", "error_rate"]
    assert clean.loc[clean.index < EVENT_HOUR, "z_score"].abs().max() < 1
    assert clean["is_scored"].tolist() == flagged.loc["all_fail", "invocations"]["is_scored"].tolist() and clean["is_scored"].sum() > 50
