"""How much a bucket can tell, from the events behind it (the robust method).

A share (server_error_rate: 5xx among requests; error_rate: errors among
invocations) or a percentile (p99_latency_ms, p99_duration_ms) of a bucket
with few events is mostly counting noise. The robust kernel's scale cannot
see that: it follows the metric's spread over the past days and floors at
its resolution. In an operator trial one 5xx in 7 requests scored z +6.6 and
paged. `sample_evidence_z` is what the bucket's `sample_size` n events can
support, as a z, and the robust method's |z_score| never exceeds it in the
same direction (`cap_by_evidence`).

A share (`share_evidence`): under the expected share p0, the bucket's bad
events are binomial in n; the evidence is the signed root of the binomial
deviance, the likelihood-ratio z, 2 n KL(share || p0), signed by the
direction of the move. p0 is the kernel's expected value, but never below
the window's pooled share, (bad events + 0.5) / (events + 1) over the same
series' buckets in the baseline window before the bucket: a median of
mostly error-free buckets is 0, and against 0 any error would be infinitely
unusual. One 5xx in 7 after 8 in 4,800 the two days before scores 2.7; five
in 7 scores 7.4.

A percentile at level q (`quantile_evidence`): with fewer than 1 / (1 - q)
events (100 for a p99) the bucket has no tail of its own, and its
percentile is its slowest event, or an interpolation weighted to it. When
at least half of the same series' buckets in the window before had their
tail, the kernel's robust scale was learnt mostly from real percentiles and
says nothing about one slow event: the evidence is 0, and the bucket does
not flag on that metric. A series whose buckets are mostly that small keeps
its z (its scale was learnt from buckets like it).

A share that never moved (`score_flat_shares`): a function that has not
failed once in days has an error rate of 0 in every bucket, and the kernel,
with a scale of 0, cannot score it, so its first failures paged nobody
(twelve of twelve invocations failing). Where the kernel has the history but
a scale of 0, the share's evidence is its z: after two clean days, all 12
failing score 13.0, three of 12 score 5.4, one of 12 scores 2.7.

A count (`with_count_floor`, requests and invocations): the number of
events in a bucket varies at least as a Poisson count does, by the square
root of its mean, whatever the past buckets showed. A function run by a
schedule, 12 invocations every hour, has a scale of 0 that the kernel
floors at a thousandth of 12, so one more invocation scored z 83 and paged
(a young log's 2 to 5 invocations, z 1500). The scale of a count bucket is
at least sqrt(max(expected, 1)): one more scores 0.3, twice as many 3.5,
five times as many 13.9.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from oncall_analytics.detection.robust import time_window_sums
from oncall_analytics.detection.series import chunked, per_series

TAIL_MARGIN = 1e-9  # 1 - 0.99 is 0.01000000000000001 in binary: 100 events of a p99 are a tail of one
PRIOR_BAD, PRIOR_EVENTS = 0.5, 1.0  # Jeffreys-like: the pooled share of a window without events is 1/2, never 0


def entropy_term(share: np.ndarray, null: np.ndarray) -> np.ndarray:
    """share * ln(share / null), 0 where share is 0 (its limit)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(share > 0, share * np.log(share / null), 0.0)


def binomial_z(share: np.ndarray, null: np.ndarray, sample_size: np.ndarray) -> np.ndarray:
    """Signed likelihood-ratio z of `share` of `sample_size` events against the share `null` (0 < null < 1):
    sign(share - null) * sqrt(2 n KL(share || null)); NaN where an input is missing or the share is outside
    [0, 1] (then it is not a share). Closed form, no tail sums: for a handful of events it lies a few
    tenths above the exact binomial tail's z (2.65 against 2.26 for one in 7 at p0 = 0.0017), closer as
    counts grow (python_checks/test_detection_sample_evidence.py)."""
    share, null, sample_size = (np.asarray(column, dtype=float) for column in (share, null, sample_size))
    divergence = entropy_term(share, null) + entropy_term(1.0 - share, 1.0 - null)
    valid = (share >= 0) & (share <= 1) & (sample_size >= 1) & (null > 0) & (null < 1)
    with np.errstate(invalid="ignore"):
        z = np.sign(share - null) * np.sqrt(np.maximum(2.0 * sample_size * divergence, 0.0))
    return np.where(valid, z, np.nan)


def past_window_sums(edges: np.ndarray, minutes: np.ndarray, columns: list[np.ndarray], window_minutes: int) -> list[np.ndarray]:
    """For each row, the sums of each column over the rows of its series (rows grouped by series in time
    order, `edges` their series_edges) observed in [minutes - window_minutes, minutes): the window before
    the bucket, the bucket itself left out (robust.time_window_sums over one key for every series)."""
    series = per_series(edges, np.arange(len(edges) - 1, dtype=np.int64))
    # one sorted key over every series: the series number above any minute count (minutes < 2^40)
    return time_window_sums((series << 40) + minutes.astype(np.int64), columns, int(window_minutes))


def share_evidence(edges: np.ndarray, minutes: np.ndarray, values: np.ndarray, sample_sizes: np.ndarray,
                     expected: np.ndarray, window_minutes: int) -> np.ndarray:
    """binomial_z of each share bucket (rows with a sample size) against max(expected value, the window's
    pooled share); NaN for other rows. Rows grouped by series in time order (`edges`); the shares are
    scored chunk by chunk of series (series.chunked: in the CPU's cache, on the kernel's threads)."""
    sample_sizes = np.asarray(sample_sizes, dtype=float)
    has_size = np.isfinite(sample_sizes) & (sample_sizes >= 1)
    evidence = np.full(len(values), np.nan)
    if not has_size.any():
        return evidence
    rows = np.flatnonzero(has_size)  # still grouped by series in time order: their edges among themselves
    share_edges = np.unique(np.searchsorted(rows, edges))
    scored = chunked(partial(chunk_evidence, window_minutes=window_minutes), share_edges,
                     minutes[rows], values[rows], sample_sizes[rows], np.asarray(expected, dtype=float)[rows])
    evidence[rows] = scored["evidence"]
    return evidence


def chunk_evidence(minutes: np.ndarray, values: np.ndarray, sample_sizes: np.ndarray, expected: np.ndarray,
                   edges: np.ndarray, window_minutes: int) -> dict[str, np.ndarray]:
    """share_evidence of share rows only (every row has a sample size), grouped by series (`edges`)."""
    share = np.clip(values, 0.0, 1.0)
    past_bad, past_events = past_window_sums(edges, minutes, [share * sample_sizes, sample_sizes], window_minutes)
    pooled = (past_bad + PRIOR_BAD) / (past_events + PRIOR_EVENTS)
    null = np.fmax(expected, pooled)  # fmax: the pooled share where the kernel has no expectation
    null = np.minimum(null, 1.0 - PRIOR_BAD / (past_events + PRIOR_EVENTS))
    return {"evidence": binomial_z(values, null, sample_sizes)}


def quantile_evidence(edges: np.ndarray, minutes: np.ndarray, sample_sizes: np.ndarray, levels: np.ndarray,
                      window_minutes: int) -> np.ndarray:
    """0 for each percentile bucket (rows with a sample size and a quantile level q) of fewer than 1 / (1 - q)
    events when at least half of its series' buckets in the window before had that many; NaN for other rows.
    Rows grouped by series in time order (`edges`)."""
    sample_sizes, levels = np.asarray(sample_sizes, dtype=float), np.asarray(levels, dtype=float)
    rows = np.flatnonzero(np.isfinite(sample_sizes) & (sample_sizes >= 1) & (levels > 0) & (levels < 1))
    evidence = np.full(len(sample_sizes), np.nan)
    if not len(rows):
        return evidence
    has_tail = sample_sizes[rows] * (1.0 - levels[rows]) >= 1.0 - TAIL_MARGIN
    quantile_edges = np.unique(np.searchsorted(rows, edges))
    past_with_tail, past_buckets = past_window_sums(quantile_edges, minutes[rows], [has_tail.astype(float), np.ones(len(rows))],
                                                    window_minutes)
    usually_has_tail = (past_buckets > 0) & (2 * past_with_tail >= past_buckets)
    evidence[rows] = np.where(~has_tail & usually_has_tail, 0.0, np.nan)
    return evidence


def cap_by_evidence(z_score: np.ndarray, evidence: np.ndarray) -> np.ndarray:
    """z_score with |z| at most the evidence in its own direction (0 when the count points the other way);
    unchanged where there is no evidence (NaN: not a share, nor a percentile without its tail). Array work on the
    rows with evidence only."""
    rows = np.flatnonzero(~np.isnan(evidence))
    z_score = np.array(z_score, dtype=float)  # a copy: the kernel's column stays as it was
    capped, evidence = z_score[rows], evidence[rows]
    with np.errstate(invalid="ignore"):
        direction = np.sign(capped)
        z_score[rows] = direction * np.minimum(np.abs(capped), np.maximum(evidence * direction, 0.0))
    return z_score


def score_flat_shares(scores: dict[str, np.ndarray], evidence: np.ndarray, is_quantile: np.ndarray, min_points: float
                      ) -> dict[str, np.ndarray]:
    """The robust scores with each share bucket the kernel could not score for want of any spread (scale 0, with
    min_points of history behind it: a share that never moved) scored at its evidence (share_evidence), so the
    first failures of a function that never failed page on their own weight. Other rows unchanged."""
    with np.errstate(invalid="ignore"):
        flat = (np.isfinite(evidence) & ~is_quantile & (scores["scale"] == 0)
                & (scores["scale_points"] >= min_points) & ~scores["is_scored"].astype(bool))
    if not flat.any():
        return scores
    return {**scores, "z_score": np.where(flat, evidence, scores["z_score"]), "is_scored": scores["is_scored"] | flat}


def with_count_floor(scores: dict[str, np.ndarray], is_count: np.ndarray) -> dict[str, np.ndarray]:
    """The robust scores with the scale of each scored count bucket (`is_count` 1: requests, invocations) at least
    its Poisson noise, sqrt(max(expected, 1)), and its three z-scores (each a difference over the scale) divided
    accordingly. Without a count series (logs of readings, the bench's metrics) nothing is computed."""
    if is_count.strides == (0,) or not (is_count == 1.0).any():  # strides 0: the view of one NaN, nothing to scan
        return scores
    rows = np.flatnonzero((is_count == 1.0) & scores["is_scored"].astype(bool))
    scale = np.array(scores["scale"], dtype=float)
    floored = np.fmax(scale[rows], np.sqrt(np.maximum(scores["expected_value"][rows], 1.0)))
    shrink = scale[rows] / floored
    scale[rows] = floored
    out = {**scores, "scale": scale}
    for name in ("z_score", "weekly_difference_z", "weekly_reference_z"):
        column = np.array(scores[name], dtype=float)
        column[rows] *= shrink
        out[name] = column
    return out
