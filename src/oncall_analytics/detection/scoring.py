"""The rolling-baseline kernel: anomaly scores of every hourly metric, for
each baseline window the project uses (anomaly_window_hours plus the
alert_budget grid); the model int_metrics__anomaly_scores.

For an observed hour t of one metric the baseline is the metric's observed
values in [t - window, t): previous hours by time, so a missing hour leaves a
hole instead of pulling an older hour in, and the hour itself (or anything
later) is never used. Mean and population standard deviation come from
prefix sums (linear in hours, whatever the window); they equal numpy's
`mean()` / `std()` of the same hours to about 1e-12 relative, and the flags
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

One kernel, two drivers: `score_series` scores ONE series with array
operations. `score_metrics` drives it: over pandas it finds the series
boundaries (no groupby over strings: bench/) and calls the kernel series by
series; over a Spark DataFrame it runs itself per series through
groupBy(...).applyInPandas. Another per-series kernel with the same
signature and columns can be passed as `kernel` (a second scoring method).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

from oncall_analytics.drivers import by_group
from oncall_analytics.frames import as_pandas, empty, is_spark

WEEK_HOURS = 168
SERIES_KEY = ["service_name", "metric_name"]
# int_metrics__anomaly_scores, as its YAML declares it
SCORES_SCHEMA = {
    "window_hours": "bigint", "service_name": "varchar", "metric_name": "varchar", "observed_at": "timestamp",
    "value": "double", "baseline_points": "bigint", "baseline_mean": "double", "baseline_std": "double",
    "is_scored": "boolean", "z_score": "double", "weekly_reference_value": "double", "weekly_difference_z": "double",
    "weekly_reference_z": "double",
}
# A per-series kernel: (hours, values, window, min_baseline_fraction) -> score columns
Kernel = Callable[[np.ndarray, np.ndarray, int, float], dict]


def factorize_runs(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize(column, sort=True), hashing one value per run of equal values.

    Metrics arrive grouped by series (8,760 rows per name for a year), so
    comparing neighbours is far cheaper than hashing every string (bench/).
    Any order gives the same codes, only slower when runs are short.
    """
    if len(column) == 0:
        return pd.factorize(column, sort=True)
    heads = np.r_[0, np.flatnonzero(column[1:] != column[:-1]) + 1]
    head_codes, uniques = pd.factorize(column[heads], sort=True)
    return np.repeat(head_codes, np.diff(np.r_[heads, len(column)])), uniques


def window_sums(values: np.ndarray, starts: np.ndarray, window: int) -> np.ndarray:
    """Sum of values[s : s + window] for each s in `starts`, from one prefix sum (O(n), not O(n * window))."""
    prefix = np.concatenate(([0], np.cumsum(values)))
    return prefix[starts + window] - prefix[starts]


def baseline_stats(hours: np.ndarray, values: np.ndarray, window: int) -> dict[str, np.ndarray]:
    """Baseline of each observation of ONE series over the previous `window` hours.

    `hours` are distinct integer hour numbers in increasing order, `values`
    the matching finite values. On an hourly grid (a hole where an hour is
    missing) the window of observation i is grid[o_i : o_i + window]; its
    count, sum and sum of squares come from prefix sums, so the cost does not
    grow with the window. Values are centred on the series mean first, which
    keeps the sums of squares far from cancellation; a window is flat (std 0
    exactly) when no observation in it differs from the one before it.
    """
    offsets = hours - hours[0]
    positions = offsets + window  # grid position of each observation
    size = offsets[-1] + 1 + window
    present = np.zeros(size, dtype=np.int64)
    present[positions] = 1
    centred = np.zeros(size)
    centred[positions] = values - values.mean()
    points = window_sums(present, offsets, window)
    sums = window_sums(centred, offsets, window)
    squares = window_sums(centred * centred, offsets, window)
    with np.errstate(invalid="ignore", divide="ignore"):
        centred_mean = sums / points
        mean = centred_mean + values.mean()
        std = np.sqrt(np.maximum(squares / points - centred_mean * centred_mean, 0.0))
    # Flat windows: count changes between consecutive observations inside each window.
    changes = np.zeros(size, dtype=np.int64)
    changes[positions[1:]] = values[1:] != values[:-1]
    first = np.searchsorted(positions, offsets)  # first observation inside each window (== i when empty)
    inside = first < np.arange(len(offsets))
    changes_inside = window_sums(changes, offsets, window) - np.where(inside, changes[positions[np.minimum(first, len(offsets) - 1)]], 0)
    std = np.where((changes_inside == 0) & (points > 0), 0.0, std)
    return {"baseline_points": points, "baseline_mean": mean, "baseline_std": std, "history_hours": offsets}


def weekly_reference(hours: np.ndarray, values: np.ndarray, week: int = WEEK_HOURS) -> np.ndarray:
    """Value of the same hour (bucket) in the latest earlier week where it was observed (NaN if none);
    `week` = buckets per week (168 at the hourly grain)."""
    offsets = hours - hours[0]
    weeks = offsets[-1] // week + 1
    table = np.full(weeks * week, np.nan)
    table[offsets] = values
    table = table.reshape(weeks, week)
    # latest observed week up to each week, per hour of the week (forward fill down the weeks)
    latest = np.where(np.isnan(table), -1, np.arange(weeks)[:, None])
    np.maximum.accumulate(latest, axis=0, out=latest)
    week_of, hour_of_week = offsets // week, offsets % week
    earlier = np.where(week_of > 0, latest[np.maximum(week_of - 1, 0), hour_of_week], -1)
    return np.where(earlier >= 0, table[np.maximum(earlier, 0), hour_of_week], np.nan)


def score_series(hours: np.ndarray, values: np.ndarray, window: int, min_baseline_fraction: float,
                 week: int = WEEK_HOURS) -> dict[str, np.ndarray]:
    """All score columns for one series (see the module docstring), as arrays. At another grain than the
    hour, `hours` are bucket numbers, `window` and `week` counted in buckets."""
    stats = baseline_stats(hours, values, window)
    reference = weekly_reference(hours, values, week)
    std = stats["baseline_std"]
    is_scored = (stats["history_hours"] >= window) & (stats["baseline_points"] >= max(1, np.ceil(min_baseline_fraction * window)))
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


def score_metrics(metrics, windows: list[int], min_baseline_fraction: float, kernel: Kernel = None, grain_minutes: int = 60):
    """Score every series of `metrics` (service_name, metric_name, observed_at, value) for each window.

    `metrics` is pandas, a DuckDB relation (ordered by series and hour in
    the engine first, which spares a sort here) or a Spark DataFrame (scored
    series by series on the workers; the result is a Spark DataFrame).
    `observed_at` are bucket starts at `grain_minutes`; windows stay in hours.
    """
    kernel = kernel or score_series
    if is_spark(metrics):
        return by_group(metrics, SERIES_KEY, partial(score_frame, windows=windows, min_baseline_fraction=min_baseline_fraction,
                                                     kernel=kernel, grain_minutes=grain_minutes), SCORES_SCHEMA)
    if callable(getattr(type(metrics), "order", None)):  # DuckDB
        metrics = metrics.order(", ".join([*SERIES_KEY, "observed_at"]))
    return score_frame(as_pandas(metrics), windows, min_baseline_fraction, kernel, grain_minutes)


def window_points(window_hours: float, grain_minutes: int) -> int:
    """A window in hours as a number of buckets at the grain (windows stay in hours for the user)."""
    return max(1, int(round(window_hours * 60 / grain_minutes)))


def score_frame(metrics: pd.DataFrame, windows: list[int], min_baseline_fraction: float, kernel: Kernel = None,
                grain_minutes: int = 60) -> pd.DataFrame:
    """The pandas driver: every series of `metrics`, one `kernel` call per series and window.

    One output row per input row and window, ordered by window, service,
    metric and hour. Series are told apart by integer codes (no sorting of
    strings); the loops run over series and windows only, each series is
    scored with array operations.
    """
    kernel = kernel or score_series
    # Missing keys, hours and values are dropped here (factorize codes a missing
    # name as -1), without a dropna over the string columns.
    service_codes, services = factorize_runs(metrics["service_name"].to_numpy())
    metric_codes, metric_names = factorize_runs(metrics["metric_name"].to_numpy())
    observed = pd.to_datetime(metrics["observed_at"]).to_numpy()
    values = metrics["value"].to_numpy(dtype=float)
    keep = (service_codes >= 0) & (metric_codes >= 0) & ~np.isnat(observed) & np.isfinite(values)
    # bucket number at the grain (the hour number at 60 minutes)
    hour_number = observed[keep].astype("datetime64[m]").astype(np.int64) // int(grain_minutes)
    series_code = service_codes[keep].astype(np.int64) * max(len(metric_names), 1) + metric_codes[keep]
    values = values[keep]
    steps = np.diff(series_code)
    in_input_order = not np.any((steps < 0) | ((steps == 0) & (np.diff(hour_number) < 0)))
    if not in_input_order:  # sort only when not sorted yet
        order = np.lexsort((hour_number, series_code))
        series_code, hour_number, values = series_code[order], hour_number[order], values[order]
    if np.any((np.diff(series_code) == 0) & (np.diff(hour_number) == 0)):
        raise ValueError("score_metrics: more than one value for a service, metric and bucket")
    windows = sorted(set(int(w) for w in windows))
    if len(values) == 0 or not windows:
        return empty(SCORES_SCHEMA)

    bounds = np.r_[0, np.flatnonzero(np.diff(series_code)) + 1, len(values)]
    rows = len(values)
    scored: dict[str, np.ndarray] = {}  # each score column for every window, filled series by series
    for copy, window in enumerate(windows):
        for start, end in zip(bounds[:-1], bounds[1:]):
            arguments = (hour_number[start:end], values[start:end], window_points(window, grain_minutes), min_baseline_fraction)
            if grain_minutes != 60:  # custom kernels of the hourly grain keep their signature
                scored_columns = kernel(*arguments, week=window_points(WEEK_HOURS, grain_minutes))
            else:
                scored_columns = kernel(*arguments)
            for name, column in scored_columns.items():
                if name not in scored:
                    scored[name] = np.empty(rows * len(windows), dtype=column.dtype)
                scored[name][copy * rows + start:copy * rows + end] = column
    copies = len(windows)
    metric_count = max(len(metric_names), 1)
    def per_window(column: np.ndarray) -> np.ndarray:
        return np.tile(column, copies) if copies > 1 else column

    def names(column: str, codes: np.ndarray, uniques) -> np.ndarray:
        if in_input_order and keep.all():  # the input's own strings, no new objects
            return metrics[column].to_numpy()
        return np.asarray(uniques, dtype=object)[codes]

    keys = {
        "window_hours": np.repeat(np.array(windows, dtype=np.int64), rows),
        "service_name": per_window(names("service_name", series_code // metric_count, services)),
        "metric_name": per_window(names("metric_name", series_code % metric_count, metric_names)),
        "observed_at": per_window((hour_number * int(grain_minutes)).astype("datetime64[m]").astype("datetime64[ns]")),
        "value": per_window(values),
    }
    # copy=False: no consolidation into 2-D blocks (a full copy of every column)
    return pd.DataFrame({name: keys[name] if name in keys else scored[name] for name in SCORES_SCHEMA}, copy=False)
