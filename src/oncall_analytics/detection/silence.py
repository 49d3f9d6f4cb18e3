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
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def silence_z(edges: np.ndarray, minutes: np.ndarray, values: np.ndarray, is_count: np.ndarray,
              window_minutes: int, grain_minutes: int) -> np.ndarray:
    """-sqrt(2 max_n floor(k / n) lowest_n) for each count row at 0, the k-th silent bucket of its run, lowest_n
    the lowest total of n consecutive buckets in the window before the run (every bucket of it observed), n = 1,
    2, 4, ... up to half the window; NaN for every other row and where no n gives evidence. Rows grouped by
    series in time order (`edges`: series.series_edges), `is_count` true on the rows of count series."""
    out = np.full(len(values), np.nan)
    rows = np.flatnonzero(np.asarray(is_count, dtype=float) == 1.0)
    if not len(rows):
        return out
    counts, times = np.asarray(values, dtype=float)[rows], np.asarray(minutes, dtype=np.int64)[rows]
    count_edges = np.searchsorted(rows, edges)  # each series' first count row (a series without any: none)
    series_start = np.repeat(count_edges[:-1], np.diff(count_edges))
    position = np.arange(len(rows))
    silent = counts == 0
    # the last row at or before each row with events (the run's anchor), within the same series
    anchor = np.maximum.accumulate(np.where(silent, -1, position))
    valid = silent & (anchor >= series_start)
    anchor = np.where(valid, anchor, 0)
    run_length = position - anchor
    buckets = max(1, int(window_minutes) // int(grain_minutes))
    # the window: the `buckets` rows up to the anchor, observed in full (within the series, contiguous buckets)
    first = anchor - (buckets - 1)
    window_whole = (first >= series_start) & (times[anchor] - times[np.maximum(first, 0)] == (buckets - 1) * grain_minutes)
    run_contiguous = times - times[anchor] == run_length * grain_minutes
    deviance = np.zeros(len(rows))
    span, series = 1, pd.Series(counts)
    while span <= max(1, buckets // 2):
        # the lowest total of `span` consecutive buckets inside the window, against the silence's whole blocks of `span`
        totals = series.rolling(span, min_periods=span).sum().rolling(buckets - span + 1, min_periods=buckets - span + 1).min()
        lowest = totals.to_numpy()[anchor]
        deviance = np.fmax(deviance, np.where(lowest > 0, (run_length // span) * lowest, 0.0))
        span *= 2
    evidence = valid & window_whole & run_contiguous & (deviance > 0)
    out[rows[evidence]] = -np.sqrt(2.0 * deviance[evidence])
    return out


def with_silence(scores: dict[str, np.ndarray], silence: np.ndarray) -> dict[str, np.ndarray]:
    """The robust scores with each scored silent bucket at the more extreme of the kernel's z and its silence z;
    the weekly reference likewise when the same time of the week before was silent too (value 0), so a service
    idle every weekend is excused by the weekly rule as any repeating pattern is."""
    rows = np.flatnonzero(~np.isnan(silence) & scores["is_scored"].astype(bool))
    if not len(rows):
        return scores
    z_score, reference_z = np.array(scores["z_score"], dtype=float), np.array(scores["weekly_reference_z"], dtype=float)
    z_score[rows] = np.fmin(z_score[rows], silence[rows])
    was_silent = rows[scores["weekly_reference_value"][rows] == 0]
    reference_z[was_silent] = np.fmin(reference_z[was_silent], silence[was_silent])
    return {**scores, "z_score": z_score, "weekly_reference_z": reference_z}
