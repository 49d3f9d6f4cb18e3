"""The rolling-baseline kernel: anomaly scores of every hourly metric, for
each baseline window the project uses (anomaly_window_hours plus the
alert_budget grid); the model int_metrics__anomaly_scores.

For an observed hour t of one metric the baseline is the metric's observed
values in [t - window, t): previous hours by time, so a missing hour leaves a
hole instead of pulling an older hour in, and the hour itself (or anything
later) is never used. Mean and population standard deviation come from
prefix sums (linear in hours, whatever the window); they equal numpy's
`mean()` / `std()` of the same hours to about 1e-11 relative, and the flags
equal the notebook's loop (python_checks, bench/).

Columns for the anomaly rule (rules.py, applied by metric_anomalies and alert_budget):
  - z_score = (value - mean) / std, only when the hour is scored: the metric
    has been observed for at least a whole window before t, at least
    `min_baseline_fraction` of the window's hours are present, and std > 0
    (a flat baseline scores nothing);
  - the weekly-pattern pair, once the same hour of an earlier week exists
    ("last week" = the latest earlier week with that hour observed):
    weekly_difference_z = (value - last week) / (sqrt(2) * std), the z of the
    difference of two noisy readings, and weekly_reference_z =
    (last week - mean) / std, how unusual last week's reading is today.
An hour is an anomaly at threshold k when |z_score| > k, unless it repeats an
unusual hour of last week: |weekly_difference_z| <= k and
|weekly_reference_z| > k. A real incident is never hidden by an ordinary
reading last week, and a weekly spike pages in its first week only.

One kernel, two drivers: `score_series` scores the rows of any number of
series (grouped by series, in time order) with array operations, each
series on its own stretch of one grid, so the cost is per point, not per
series. `score_metrics` drives it: over pandas it finds the series
boundaries (no groupby over strings: bench/) and calls the kernel once per
window over every series; over a Spark DataFrame it runs the same code per
series through groupBy(...).applyInPandas.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from oncall_analytics.detection.series import SERIES_KEY, chunked, per_series, per_window, rows_of, same_series_as_previous, series_order
from oncall_analytics.drivers import by_group
from oncall_analytics.frames import as_pandas, empty, is_spark

WEEK_HOURS = 168
# int_metrics__anomaly_scores, as its YAML declares it
SCORES_SCHEMA = {
    "window_hours": "bigint", "service_name": "varchar", "metric_name": "varchar", "observed_at": "timestamp",
    "value": "double", "baseline_points": "bigint", "baseline_mean": "double", "baseline_std": "double",
    "is_scored": "boolean", "z_score": "double", "weekly_reference_value": "double", "weekly_difference_z": "double",
    "weekly_reference_z": "double",
}


def window_sums(values: np.ndarray, starts: np.ndarray, window: int) -> np.ndarray:
    """Sum of values[s : s + window] for each s in `starts`, from one prefix sum (O(n), not O(n * window))."""
    prefix = np.concatenate(([0], np.cumsum(values)))
    return prefix[starts + window] - prefix[starts]


def baseline_stats(hours: np.ndarray, values: np.ndarray, window: int, edges: np.ndarray) -> dict[str, np.ndarray]:
    """Baseline of each observation over the previous `window` hours of its series.

    Rows are grouped by series (`edges`: series_edges) with distinct integer
    hour numbers in increasing order within a series, and finite values.
    Each series gets its own stretch of one hourly grid, `window` empty hours
    first and a hole where an hour is missing, so a window never reaches
    into another series: the window of observation i is grid[o_i : o_i +
    window], and its count, sum and sum of squares come from prefix sums
    over the whole grid (the cost grows with neither the window nor the
    number of series). Each series' values are standardised on its own mean
    and standard deviation first, and the squares enter as z^2 - 1: both
    prefix sums then return to about 0 at the end of every series, so their
    rounding error stays that of one series, whatever came before it; a
    window is flat (std 0 exactly) when no observation in it differs from
    the one before it.
    """
    first_rows = edges[:-1]
    lengths = np.diff(edges)
    offsets = hours - per_series(edges, hours[first_rows])  # hours since the series' first
    spans = offsets[edges[1:] - 1] + 1 + window  # the series' stretch of grid
    stretch_starts = np.r_[0, np.cumsum(spans)[:-1]]
    starts = per_series(edges, stretch_starts) + offsets  # grid position where each window starts
    positions = starts + window  # grid position of each observation
    size = int(spans.sum())
    present = np.zeros(size, dtype=np.int64)
    present[positions] = 1
    with np.errstate(over="ignore", invalid="ignore"):
        series_mean = np.add.reduceat(values, first_rows) / lengths
        centred = values - per_series(edges, series_mean)
        series_std = np.sqrt(np.add.reduceat(centred * centred, first_rows) / lengths)
        unit = per_series(edges, np.where(series_std > 0, series_std, 1.0))
        standardised = centred / unit
        excess = standardised ** 2 - 1.0
    # a value so far from its series' mean that its square overflows (beyond about 1e154; values near 1e306
    # overflow the mean itself): that series is not scored, and its cells stay 0 in the grid, or the prefix
    # sums of every series after it would be inf or NaN (trial: one such series stopped the scoring of all the
    # later ones). Scaling by the whole series is the notebook method's design: a far outlier also costs the
    # precision of that series' other windows.
    overflowed = per_series(edges, np.logical_or.reduceat(~np.isfinite(excess), first_rows) | ~np.isfinite(series_std))
    standard = np.zeros(size)
    standard[positions] = np.where(overflowed, 0.0, standardised)
    excess_square = np.zeros(size)
    excess_square[positions] = np.where(overflowed, 0.0, excess)
    points = window_sums(present, starts, window)
    sums = window_sums(standard, starts, window)
    squares = window_sums(excess_square, starts, window) + points
    with np.errstate(invalid="ignore", divide="ignore"):
        standard_mean = sums / points
        mean = standard_mean * unit + per_series(edges, series_mean)
        std = np.sqrt(np.maximum(squares / points - standard_mean * standard_mean, 0.0)) * unit
    # Flat windows: count changes between consecutive observations of a series inside each window.
    changes = np.zeros(size, dtype=np.int64)
    changed = np.r_[False, values[1:] != values[:-1]]
    changed[first_rows] = False
    changes[positions] = changed
    first = np.searchsorted(positions, starts)  # first observation inside each window (== i when empty)
    inside = first < np.arange(len(offsets))
    changes_inside = window_sums(changes, starts, window) - np.where(inside, changes[positions[np.minimum(first, len(offsets) - 1)]], 0)
    std = np.where((changes_inside == 0) & (points > 0), 0.0, std)
    mean, std = (np.where(overflowed, np.nan, column) for column in (mean, std))
    return {"baseline_points": points, "baseline_mean": mean, "baseline_std": std, "history_hours": offsets,
            "overflowed": overflowed}


def weekly_reference(hours: np.ndarray, values: np.ndarray, edges: np.ndarray, week: int = WEEK_HOURS) -> np.ndarray:
    """Value of the same hour (bucket) in the latest earlier week of its series where it was observed (NaN
    if none); `week` = buckets per week (168 at the hourly grain). Rows grouped by series as in baseline_stats."""
    offsets = hours - per_series(edges, hours[edges[:-1]])
    series_weeks = offsets[edges[1:] - 1] // week + 1
    first_week = per_series(edges, np.r_[0, np.cumsum(series_weeks)[:-1]])  # each series' first row of the table
    weeks = int(series_weeks.sum())
    week_of, hour_of_week = first_week + offsets // week, offsets % week
    table = np.full(weeks * week, np.nan)
    table[week_of * week + hour_of_week] = values
    table = table.reshape(weeks, week)
    # latest observed week up to each week, per hour of the week (forward fill down the weeks; a week of
    # an earlier series is told apart by its index)
    latest = np.where(np.isnan(table), -1, np.arange(weeks)[:, None])
    np.maximum.accumulate(latest, axis=0, out=latest)
    earlier = np.where(week_of > first_week, latest[np.maximum(week_of - 1, 0), hour_of_week], -1)
    earlier = np.where(earlier >= first_week, earlier, -1)
    return np.where(earlier >= 0, table[np.maximum(earlier, 0), hour_of_week], np.nan)


def score_series(hours: np.ndarray, values: np.ndarray, window: int, min_baseline_fraction: float,
                 week: int = WEEK_HOURS, edges: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """All score columns (see the module docstring), as arrays, of one series, or of many grouped by series
    (`edges`: series_edges of their codes). At another grain than the hour, `hours` are bucket numbers,
    `window` and `week` counted in buckets."""
    if len(values) == 0:
        return {name: np.zeros(0, dtype=dtype) for name, dtype in SCORE_DTYPES.items()}
    edges = np.array([0, len(values)]) if edges is None else edges
    stats = baseline_stats(hours, values, window, edges)
    reference = weekly_reference(hours, values, edges, week)
    std = stats["baseline_std"]
    is_scored = ((stats["history_hours"] >= window) & (stats["baseline_points"] >= max(1, np.ceil(min_baseline_fraction * window)))
                 & ~stats["overflowed"])
    can_flag = is_scored & (std > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z_score = np.where(can_flag, (values - stats["baseline_mean"]) / std, np.nan)
        weekly_difference_z = np.where(can_flag, (values - reference) / (np.sqrt(2.0) * std), np.nan)
        weekly_reference_z = np.where(can_flag, (reference - stats["baseline_mean"]) / std, np.nan)
    has_baseline = stats["baseline_points"] > 0
    return {
        "baseline_points": stats["baseline_points"],
        "baseline_mean": np.where(has_baseline, stats["baseline_mean"], np.nan),
        "baseline_std": np.where(has_baseline, std, np.nan),
        "is_scored": is_scored,
        "z_score": z_score,
        "weekly_reference_value": reference,
        "weekly_difference_z": weekly_difference_z,
        "weekly_reference_z": weekly_reference_z,
    }


def score_chunk(hours: np.ndarray, values: np.ndarray, edges: np.ndarray, window: int, min_baseline_fraction: float,
                week: int) -> dict[str, np.ndarray]:
    """score_series over a chunk of series (series.chunked's kernel)."""
    return score_series(hours, values, window, min_baseline_fraction, week, edges)


SCORE_DTYPES = {"baseline_points": np.int64, "baseline_mean": float, "baseline_std": float, "is_scored": bool,
                "z_score": float, "weekly_reference_value": float, "weekly_difference_z": float, "weekly_reference_z": float}


def score_metrics(metrics, windows: list[int], min_baseline_fraction: float, grain_minutes: int = 60):
    """Score every series of `metrics` (service_name, metric_name, observed_at, value) for each window.

    `metrics` is pandas, a DuckDB relation (ordered by series and hour in
    the engine first, which spares a sort here) or a Spark DataFrame (scored
    series by series on the workers; the result is a Spark DataFrame).
    `observed_at` are bucket starts at `grain_minutes`; windows stay in hours.
    """
    if is_spark(metrics):
        return by_group(metrics, SERIES_KEY, partial(score_frame, windows=windows, min_baseline_fraction=min_baseline_fraction,
                                                     grain_minutes=grain_minutes), SCORES_SCHEMA)
    if callable(getattr(type(metrics), "order", None)):  # DuckDB
        metrics = metrics.order(", ".join([*SERIES_KEY, "observed_at"]))
    return score_frame(as_pandas(metrics), windows, min_baseline_fraction, grain_minutes)


def window_points(window_hours: float, grain_minutes: int) -> int:
    """A window in hours as a number of buckets at the grain (windows stay in hours for the user)."""
    return max(1, int(round(window_hours * 60 / grain_minutes)))


def score_frame(metrics: pd.DataFrame, windows: list[int], min_baseline_fraction: float, grain_minutes: int = 60) -> pd.DataFrame:
    """The pandas driver: every series of `metrics` at once, one kernel call per window.

    One output row per usable input row and window, ordered by window,
    series and hour. Series are told apart by integer codes (no sorting of
    strings); the kernel scores all series together with array operations.
    """
    rows, edges, minutes, values = series_order(metrics)
    hour_number = minutes // int(grain_minutes)  # bucket number at the grain (the hour number at 60 minutes)
    if np.any(same_series_as_previous(edges) & (hour_number[1:] == hour_number[:-1])):
        raise ValueError("score_metrics: more than one value for a service, metric and bucket")
    windows = sorted(set(int(w) for w in windows))
    if len(values) == 0 or not windows:
        return empty(SCORES_SCHEMA)
    week = window_points(WEEK_HOURS, grain_minutes)
    copies = [chunked(partial(score_chunk, window=window_points(window, grain_minutes), min_baseline_fraction=min_baseline_fraction,
                              week=week), edges, hour_number, values) for window in windows]
    size = len(values)

    keys = {
        "window_hours": np.repeat(np.array(windows, dtype=np.int64), size),
        "service_name": per_window([rows_of(metrics["service_name"].to_numpy(), rows)] * len(windows)),
        "metric_name": per_window([rows_of(metrics["metric_name"].to_numpy(), rows)] * len(windows)),
        "observed_at": per_window([(hour_number * int(grain_minutes)).astype("datetime64[m]").astype("datetime64[ns]")] * len(windows)),
        "value": per_window([values] * len(windows)),
    }
    scored = {name: per_window([copy[name] for copy in copies]) for name in SCORE_DTYPES}
    # copy=False: no consolidation into 2-D blocks (a full copy of every column)
    return pd.DataFrame({name: keys[name] if name in keys else scored[name] for name in SCORES_SCHEMA}, copy=False)
