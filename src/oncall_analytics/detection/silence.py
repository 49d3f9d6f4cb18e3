"""How unusual a silent bucket is: a count of events (requests, invocations) at 0 (the robust method).

A service that stops serving while its log goes on reads 0 in its silent
buckets (int_gateway__hourly_metrics and int_serverless__hourly_metrics fill
them, macros/silent_buckets.sql). The kernel scores a 0 against its baseline
and scale, and a strong daily cycle widens that scale: in a log's first days,
before the daily profile is learnt, a service of 20 to 60 requests an hour
that fell silent scored z -2.1 for 14 hours and never paged.

A count is a number of events, and a silence has a plain reading: if the
series' rate in each bucket was at least lambda, the lowest count of the
`window_minutes` before the silence began, k silent buckets in a row have
probability at most exp(-k lambda) (Poisson), whose likelihood-ratio z is
-sqrt(2 k lambda). The lowest count, not the median, so a daily cycle does
not inflate it: a service whose quietest hour of the last two days had 20
requests pages at its first silent hour (z -6.3). A quiet service's lowest
single bucket is often 0 (at a 5-minute grain, a service of 60 requests an
hour), so the same holds for blocks of n buckets: the lowest total of n
consecutive buckets of the window, against the silence's floor(k / n) whole
blocks, for n = 1, 2, 4, ... up to half the window; the evidence is the
strongest of them. That service pages once it has been silent for about
half an hour. `silence_z` gives that z on each silent bucket whose series
was observed in every bucket of that window (a gap in it: no evidence), and
the robust method scores the bucket at the more extreme of it and the
kernel's z. A sparse series whose usual bucket is empty has little
evidence until its silence outlasts its usual gaps several times over.

A collapse is read the same way: a bucket whose count is at most
COLLAPSE_SHARE of the lower quartile of the window before it (a 98 % drop in
requests: an operator trial's main gateway at 21 in an hour, against
hundreds in its quietest, scored z -2.8 by the kernel in its first days and
never paged) starts a run like a silent one, and each bucket after it at
most COLLAPSE_SHARE of that same quartile (or 0) continues it, for as long
as a silence's would go on; k such buckets holding C
events score the Poisson likelihood-ratio z of C against the run's least
rate lambda, -sqrt(2 (lambda - C + C ln(C / lambda))), the silence's z at
C = 0, when C is at most COLLAPSE_SHARE of lambda. The quartile, not the
lowest, and the one before the run, not before each bucket: a collapse soon
holds the window's lowest bucket, and a quarter of it after a quarter of
the window, and would end its own run. A dip to half the
quietest bucket is the kernel's alone: real counts vary more than Poisson
ones, and only a drop to a tenth is read this way.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# A count at most this share of the lower quartile of the window before it is a collapse, scored like a silence.
COLLAPSE_SHARE = 0.1


def silence_z(edges: np.ndarray, minutes: np.ndarray, values: np.ndarray, is_count: np.ndarray,
              window_minutes: int, grain_minutes: int) -> np.ndarray:
    """The Poisson z of each count row in a run of silent or collapsed buckets (a 0, or at most COLLAPSE_SHARE of
    the lower quartile of the whole window before it): the k-th bucket of its run, holding C events with the ones
    before it in the run, scores -sqrt(2 (lambda - C + C ln(C / lambda))), lambda = max_n floor(k / n) lowest_n,
    lowest_n the lowest total of n consecutive buckets in the window before the run (every bucket of it observed),
    n = 1, 2, 4, ... up to half the window; -sqrt(2 lambda) for a silence. NaN for every other row, and where C is
    more than COLLAPSE_SHARE of lambda. Rows grouped by series in time order (`edges`: series.series_edges),
    `is_count` true on the rows of count series."""
    out = np.full(len(values), np.nan)
    rows = np.flatnonzero(np.asarray(is_count, dtype=float) == 1.0)
    if not len(rows):
        return out
    counts, times = np.asarray(values, dtype=float)[rows], np.asarray(minutes, dtype=np.int64)[rows]
    count_edges = np.searchsorted(rows, edges)  # each series' first count row (a series without any: none)
    series_start = np.repeat(count_edges[:-1], np.diff(count_edges))
    position = np.arange(len(rows))
    buckets = max(1, int(window_minutes) // int(grain_minutes))
    series = pd.Series(counts)
    # whether the `buckets` rows up to each row are one whole window of its series (contiguous buckets)
    window_first = position - (buckets - 1)
    ends_whole_window = (window_first >= series_start) & (
        times - times[np.maximum(window_first, 0)] == (buckets - 1) * grain_minutes)
    # the lower quartile of the whole window before each row (ending at the row before it, in its series)
    window_before_whole = (position > series_start) & ends_whole_window[np.maximum(position - 1, 0)]
    quartile_before = np.where(window_before_whole,
                               series.rolling(buckets, min_periods=buckets).quantile(0.25).shift(1).to_numpy(), np.nan)
    series_end = np.repeat(count_edges[1:], np.diff(count_edges))
    low = collapse_runs(counts, quartile_before, series_end)
    # the last row at or before each row outside a run (the run's anchor), within the same series
    anchor = np.maximum.accumulate(np.where(low, -1, position))
    valid = low & (anchor >= series_start)
    anchor = np.where(valid, anchor, 0)
    run_length = position - anchor
    total = np.cumsum(np.nan_to_num(counts))   # a missing count holds no event (and leaves the other series alone)
    held = total - total[anchor]                 # the run's events so far
    window_whole = ends_whole_window[anchor]   # the window: the `buckets` rows up to the anchor, observed in full
    run_contiguous = times - times[anchor] == run_length * grain_minutes
    least_rate = np.zeros(len(rows))
    span = 1
    while span <= max(1, buckets // 2):
        # the lowest total of `span` consecutive buckets inside the window, against the run's whole blocks of `span`
        totals = series.rolling(span, min_periods=span).sum().rolling(buckets - span + 1, min_periods=buckets - span + 1).min()
        lowest = totals.to_numpy()[anchor]
        least_rate = np.fmax(least_rate, np.where(lowest > 0, (run_length // span) * lowest, 0.0))
        span *= 2
    evidence = valid & window_whole & run_contiguous & (least_rate > 0) & (held <= COLLAPSE_SHARE * least_rate)
    rate, events = least_rate[evidence], held[evidence]
    shortfall = rate - events + np.where(events > 0, events * np.log(np.where(events > 0, events, 1.0) / rate), 0.0)
    out[rows[evidence]] = -np.sqrt(2.0 * shortfall)
    return out


def collapse_runs(counts: np.ndarray, quartile_before: np.ndarray, series_end: np.ndarray) -> np.ndarray:
    """True on each bucket of a silence or a collapse: a 0, or a bucket at most COLLAPSE_SHARE of the lower
    quartile of the window before it, and after it, within its series, each bucket at most COLLAPSE_SHARE of
    the quartile before the run's first bucket (or 0). Each bucket against its own window would end a long
    collapse once it filled a quarter of the window: the quartile then is the collapse's own level."""
    low = counts == 0
    starts = np.flatnonzero(~low & (counts <= COLLAPSE_SHARE * quartile_before))   # NaN quartile: never
    for start in starts:   # collapses are rare: one step per collapse, not per bucket
        if low[start]:
            continue
        following = counts[start:series_end[start]]
        within = (following == 0) | (following <= COLLAPSE_SHARE * quartile_before[start])
        low[start:start + (len(following) if within.all() else int(np.argmin(within)))] = True
    return low


def with_silence(scores: dict[str, np.ndarray], silence: np.ndarray, values: np.ndarray) -> dict[str, np.ndarray]:
    """The robust scores with each scored silent or collapsed bucket at the more extreme of the kernel's z and its
    silence z; the weekly reference likewise when the same time of the week before was as low (at most twice
    the bucket's count: 0 for a silence), so a service idle every weekend is excused by the weekly rule as any
    repeating pattern is."""
    rows = np.flatnonzero(~np.isnan(silence) & scores["is_scored"].astype(bool))
    if not len(rows):
        return scores
    z_score, reference_z = np.array(scores["z_score"], dtype=float), np.array(scores["weekly_reference_z"], dtype=float)
    z_score[rows] = np.fmin(z_score[rows], silence[rows])
    was_silent = rows[scores["weekly_reference_value"][rows] <= 2 * np.asarray(values, dtype=float)[rows]]
    reference_z[was_silent] = np.fmin(reference_z[was_silent], silence[was_silent])
    return {**scores, "z_score": z_score, "weekly_reference_z": reference_z}
