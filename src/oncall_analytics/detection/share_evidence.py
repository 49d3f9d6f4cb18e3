"""How much a share's bucket can tell, from the events behind it (the robust method).

A share (server_error_rate: 5xx among requests; error_rate: errors among
invocations) of a bucket with few events is mostly counting noise: one 5xx in
7 requests is a share of 0.14. The robust kernel's scale cannot see that: it
follows the metric's spread over the past days and floors at its resolution,
which for a share with a changing denominator is tiny, so the one 5xx scored
z +6.6 and paged in an operator trial. The events themselves say how unusual
the count is: under the expected share p0, the bucket's bad events are
binomial in its `sample_size` n. `share_evidence_z` is that evidence as a z
(the signed root of the binomial deviance, the likelihood-ratio z,
2 n KL(share || p0), signed by the direction of the move), and the robust
method's |z_score| never exceeds it in the same direction (`cap_by_evidence`):
a bucket pages on a share only when both its size against the metric's usual
spread and its count against binomial noise are beyond k.

p0 is the kernel's expected value, but never below the window's pooled
share, (bad events + 0.5) / (events + 1) over the same series' buckets in the
baseline window before the bucket: a median of mostly error-free buckets is
0, and against 0 any error would be infinitely unusual. One 5xx in 7 after
8 in 4,800 the two days before scores 2.7; five in 7 scores 7.4.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from oncall_analytics.detection.robust import time_window_sums
from oncall_analytics.detection.series import chunked, per_series

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
    counts grow (python_checks/test_detection_share_evidence.py)."""
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


def share_evidence_z(edges: np.ndarray, minutes: np.ndarray, values: np.ndarray, sample_sizes: np.ndarray,
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
    """share_evidence_z of share rows only (every row has a sample size), grouped by series (`edges`)."""
    share = np.clip(values, 0.0, 1.0)
    past_bad, past_events = past_window_sums(edges, minutes, [share * sample_sizes, sample_sizes], window_minutes)
    pooled = (past_bad + PRIOR_BAD) / (past_events + PRIOR_EVENTS)
    null = np.fmax(expected, pooled)  # fmax: the pooled share where the kernel has no expectation
    null = np.minimum(null, 1.0 - PRIOR_BAD / (past_events + PRIOR_EVENTS))
    return {"evidence": binomial_z(values, null, sample_sizes)}


def cap_by_evidence(z_score: np.ndarray, evidence: np.ndarray) -> np.ndarray:
    """z_score with |z| at most the evidence in its own direction (0 when the count points the other way);
    unchanged where there is no evidence (NaN: not a share). Array work on the shares' rows only."""
    rows = np.flatnonzero(~np.isnan(evidence))
    z_score = np.array(z_score, dtype=float)  # a copy: the kernel's column stays as it was
    shares, evidence = z_score[rows], evidence[rows]
    with np.errstate(invalid="ignore"):
        direction = np.sign(shares)
        z_score[rows] = direction * np.minimum(np.abs(shares), np.maximum(evidence * direction, 0.0))
    return z_score
