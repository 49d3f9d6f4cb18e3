"""Level shifts (the model metric_level_shifts): sustained changes of a metric's mean that the z-score
detector misses (a silent failure moves a metric by a few sigma, for good).

For each hour t of a metric, the mean of its observed values in the last
level_shift_window_hours m, (t - m, t], is compared with the detector's
baseline just before that span: the metric_anomalies baseline of hour
t - m + 1 (its previous anomaly_window_hours hours). Welch-style statistic
    t = (after_mean - before_mean) / (before_std * sqrt(1/n_after + 1/n_before)).
|t| > level_shift_threshold is an alarm; consecutive alarmed buckets of a metric
with the same direction form one level shift, reported at its first alarm.

That statistic treats consecutive readings as independent, which they are
not, so with the `robust` method (anomaly_method) the statistic is the
robust kernel's `level_shift_z` instead: the mean robust z over the span
divided by its standard error under AR(1) noise (robust.py). Its sizes
follow it: before_mean is what the baseline expected over the span's
scored buckets (a daily profile's values, hour by hour), after_mean what
they read, before_std their mean robust scale. An alarm's direction is
the sign of its shift. At a grain under an hour the span is
level_shift_window_hours of buckets.

Per series: on Spark it runs series by series (groupBy(service_name,
metric_name).applyInPandas), over pandas once for every series.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from oncall_analytics.detection.robust import RobustParams, level_shift_z
from oncall_analytics.drivers import by_group
from oncall_analytics.frames import empty

HOUR = pd.Timedelta(hours=1)
SERIES_KEY = ["service_name", "metric_name"]
# metric_level_shifts, as its YAML declares it
LEVEL_SHIFTS_SCHEMA = {
    "service_name": "varchar", "metric_name": "varchar", "detected_at": "timestamp", "span_started_at": "timestamp",
    "last_alarm_at": "timestamp", "alarm_hours": "bigint", "direction": "varchar", "before_mean": "double",
    "after_mean": "double", "shift": "double", "shift_in_std": "double", "peak_abs_t_stat": "double", "is_silent": "boolean",
}


def shift_statistics(anomalies: pd.DataFrame, span_hours: int, grain_minutes: int = 60, method: str = "notebook") -> pd.DataFrame:
    """Per observed bucket: after-span mean and count, the anchored baseline and the t statistic."""
    grain = pd.Timedelta(minutes=grain_minutes)
    rows = anomalies.assign(observed_at=pd.to_datetime(anomalies["observed_at"])).sort_values(
        [*SERIES_KEY, "observed_at"], ignore_index=True)
    rolling = (rows.set_index("observed_at").groupby(SERIES_KEY)["value"].rolling(f"{span_hours}h"))
    rows["after_mean"] = rolling.mean().to_numpy()
    rows["after_points"] = rolling.count().to_numpy()
    anchors = rows.loc[rows["is_scored"].astype(bool), [*SERIES_KEY, "observed_at", "baseline_mean", "baseline_std", "baseline_points"]]
    anchors = anchors.rename(columns={"observed_at": "span_started_at", "baseline_mean": "before_mean",
                                      "baseline_std": "before_std", "baseline_points": "before_points"})
    rows["span_started_at"] = rows["observed_at"] - span_hours * HOUR + grain
    rows = rows.merge(anchors, on=[*SERIES_KEY, "span_started_at"], how="left")
    with np.errstate(invalid="ignore", divide="ignore"):
        standard_error = rows["before_std"] * np.sqrt(1 / rows["after_points"] + 1 / rows["before_points"])
        rows["t_stat"] = np.where(rows["before_std"] > 0, (rows["after_mean"] - rows["before_mean"]) / standard_error, np.nan)
    if method == "robust":
        # the robust statistic compares each bucket with its own expected value (a daily profile moves it hour
        # by hour), so its sizes do too: what the baseline expected over the span's scored buckets, against
        # what they read. The span's first baseline alone (above) would give a seasonal series a shift of the
        # wrong sign beside the statistic's direction (operator trial: `down` with shift +0.7).
        scored = rows["is_scored"].astype(bool)
        over_span = rows.assign(value=rows["value"].where(scored), expected=rows["baseline_mean"].where(scored),
                                scale=rows["baseline_std"].where(scored)).set_index("observed_at").groupby(SERIES_KEY)
        for column, name in (("value", "after_mean"), ("expected", "before_mean"), ("scale", "before_std")):
            rows[name] = over_span[column].rolling(f"{span_hours}h").mean().to_numpy()
        params = RobustParams(grain_minutes=grain_minutes, level_shift_hours=span_hours)
        starts = np.r_[0, np.flatnonzero((rows[SERIES_KEY] != rows[SERIES_KEY].shift()).any(axis=1).to_numpy()[1:]) + 1, len(rows)]
        t_stat = np.full(len(rows), np.nan)
        for start, end in zip(starts[:-1], starts[1:]):
            t_stat[start:end] = level_shift_z(rows["observed_at"].to_numpy()[start:end], rows["z_score"].to_numpy(dtype=float)[start:end], params)
        rows["t_stat"] = t_stat
    return rows


def detect_level_shifts(anomalies: pd.DataFrame, span_hours: int, threshold: float, grain_minutes: int = 60,
                        method: str = "notebook") -> pd.DataFrame:
    """One row per level shift (a run of consecutive alarmed buckets of one direction)."""
    if anomalies.empty:
        return empty(LEVEL_SHIFTS_SCHEMA)
    rows = shift_statistics(anomalies, span_hours, grain_minutes, method)
    # an alarm needs the baseline before its span (the robust statistic does not read it): a shift has a size,
    # and its sign is the statistic's (the robust z's are scaled bucket by bucket, the sizes are not)
    shift = rows["after_mean"] - rows["before_mean"]
    t_stat = rows["t_stat"].where(rows["before_mean"].notna() & (np.sign(shift) == np.sign(rows["t_stat"])))
    rows["direction"] = np.where(t_stat > threshold, "up", np.where(t_stat < -threshold, "down", None))
    alarmed = rows[rows["direction"].notna()].copy()
    if alarmed.empty:
        return empty(LEVEL_SHIFTS_SCHEMA)
    same_series = (alarmed[SERIES_KEY] == alarmed[SERIES_KEY].shift()).all(axis=1)
    next_bucket = alarmed["observed_at"].diff() == pd.Timedelta(minutes=grain_minutes)
    continues = same_series & next_bucket & (alarmed["direction"] == alarmed["direction"].shift())
    alarmed["shift_id"] = (~continues).cumsum()
    alarmed["abs_t"] = alarmed["t_stat"].abs()
    # A shift the z-score detector also flagged while it was building up is not silent.
    flagged_hours = anomalies.loc[anomalies["is_anomaly"].astype(bool), [*SERIES_KEY, "observed_at"]].assign(
        observed_at=lambda f: pd.to_datetime(f["observed_at"]))
    first = alarmed.drop_duplicates("shift_id")
    shifts = first[[*SERIES_KEY, "shift_id", "observed_at", "span_started_at", "direction", "before_mean", "after_mean", "before_std"]]
    shifts = shifts.rename(columns={"observed_at": "detected_at"})
    summary = alarmed.groupby("shift_id").agg(last_alarm_at=("observed_at", "max"), alarm_hours=("observed_at", "size"),
                                              peak_abs_t_stat=("abs_t", "max"))
    shifts = shifts.merge(summary, left_on="shift_id", right_index=True)
    overlap = shifts[[*SERIES_KEY, "shift_id", "span_started_at", "last_alarm_at"]].merge(flagged_hours, on=SERIES_KEY)
    overlap = overlap[(overlap["observed_at"] >= overlap["span_started_at"]) & (overlap["observed_at"] <= overlap["last_alarm_at"])]
    shifts["is_silent"] = ~shifts["shift_id"].isin(overlap["shift_id"])
    shifts["shift"] = shifts["after_mean"] - shifts["before_mean"]
    shifts["shift_in_std"] = shifts["shift"] / shifts["before_std"]
    shifts["alarm_hours"] = shifts["alarm_hours"].astype(np.int64)
    return shifts.sort_values([*SERIES_KEY, "detected_at"], ignore_index=True)[list(LEVEL_SHIFTS_SCHEMA)]


def metric_level_shifts(anomalies, span_hours: int, threshold: float, grain_minutes: int = 60, method: str = "notebook"):
    """The metric_level_shifts rows from metric_anomalies (pandas, DuckDB or Spark: series by series)."""
    kernel = partial(detect_level_shifts, span_hours=span_hours, threshold=threshold, grain_minutes=grain_minutes, method=method)
    return by_group(anomalies, SERIES_KEY, kernel, LEVEL_SHIFTS_SCHEMA)
