"""Rolling-baseline anomaly scores of every hourly metric, for each baseline
window the project uses (anomaly_window_hours plus the alert_budget grid).

For an observed hour t of one metric the baseline is the metric's observed
values in [t - window, t): previous hours by time, so a missing hour leaves a
hole instead of pulling an older hour in, and the hour itself (or anything
later) is never used. Mean and population standard deviation follow numpy's
`mean()` / `std()` so full windows reproduce the notebook bit for bit.

Columns for the anomaly rule (applied by metric_anomalies and alert_budget):
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
Self-contained (no project imports): it must run where local modules cannot.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

WEEK_HOURS = 168
SERIES_KEY = ["service_name", "metric_name"]
HOUR = pd.Timedelta(hours=1)


def baseline_stats(hours: np.ndarray, values: np.ndarray, window: int) -> dict[str, np.ndarray]:
    """Baseline of each observation of ONE series over the previous `window` hours.

    `hours` are distinct integer hour numbers in increasing order, `values`
    the matching finite values. Vectorised with a sliding view over an hourly
    grid (NaN where an hour is missing); returns arrays aligned with `hours`.
    """
    offsets = hours - hours[0]
    grid = np.full(offsets[-1] + 1 + window, np.nan)
    grid[offsets + window] = values
    history = sliding_window_view(grid, window)[offsets]  # row i: hours [t_i - window, t_i)
    present = ~np.isnan(history)
    points = present.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, history, 0.0).sum(axis=1) / points
        deviation = np.where(present, history - mean[:, None], 0.0)
        std = np.sqrt((deviation * deviation).sum(axis=1) / points)
    # A flat window has std 0 exactly, not a rounding residue of the mean.
    flat = np.where(present, history, np.inf).min(axis=1) == np.where(present, history, -np.inf).max(axis=1)
    std = np.where(flat & (points > 0), 0.0, std)
    return {"baseline_points": points, "baseline_mean": mean, "baseline_std": std, "history_hours": offsets}


def weekly_reference(hours: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Value of the same hour in the latest earlier week where it was observed (NaN if none)."""
    hour_of_week = (hours - hours[0]) % WEEK_HOURS
    return pd.Series(values).groupby(hour_of_week).shift(1).to_numpy()


def score_series(hours: np.ndarray, values: np.ndarray, window: int, min_baseline_fraction: float) -> pd.DataFrame:
    """All score columns for one series (see the module docstring)."""
    stats = baseline_stats(hours, values, window)
    reference = weekly_reference(hours, values)
    std = stats["baseline_std"]
    is_scored = (stats["history_hours"] >= window) & (stats["baseline_points"] >= max(1, np.ceil(min_baseline_fraction * window)))
    can_flag = is_scored & (std > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z_score = np.where(can_flag, (values - stats["baseline_mean"]) / std, np.nan)
        weekly_difference_z = np.where(can_flag, (values - reference) / (np.sqrt(2.0) * std), np.nan)
        weekly_reference_z = np.where(can_flag, (reference - stats["baseline_mean"]) / std, np.nan)
    has_baseline = stats["baseline_points"] > 0
    return pd.DataFrame({
        "baseline_points": stats["baseline_points"],
        "baseline_mean": np.where(has_baseline, stats["baseline_mean"], np.nan),
        "baseline_std": np.where(has_baseline, std, np.nan),
        "is_scored": is_scored,
        "z_score": z_score,
        "weekly_reference_value": reference,
        "weekly_difference_z": weekly_difference_z,
        "weekly_reference_z": weekly_reference_z,
    })


def score_metrics(metrics: pd.DataFrame, windows: list[int], min_baseline_fraction: float) -> pd.DataFrame:
    """Score every series of `metrics` (service_name, metric_name, observed_at, value) for each window.

    One output row per input row and window. Loops run over series and
    windows only; each series is scored with array operations.
    """
    columns = [*SERIES_KEY, "observed_at", "value"]
    metrics = metrics[columns].dropna().copy()
    metrics["observed_at"] = pd.to_datetime(metrics["observed_at"]).dt.floor("h")
    metrics["value"] = metrics["value"].astype(float)
    metrics = metrics[np.isfinite(metrics["value"])]
    if metrics.duplicated([*SERIES_KEY, "observed_at"]).any():
        raise ValueError("score_metrics: more than one value for a service, metric and hour")
    metrics = metrics.sort_values(columns[:3], ignore_index=True)
    hour_number = ((metrics["observed_at"] - pd.Timestamp("1970-01-01")) // HOUR).to_numpy(dtype=np.int64)

    scored = []
    for window in sorted(set(int(w) for w in windows)):
        for _, positions in metrics.groupby(SERIES_KEY, sort=False).indices.items():
            series = metrics.iloc[positions].reset_index(drop=True)
            scores = score_series(hour_number[positions], series["value"].to_numpy(), window, min_baseline_fraction)
            scored.append(pd.concat([series, scores], axis=1).assign(window_hours=window))
    if not scored:
        return empty_scores()
    return pd.concat(scored, ignore_index=True)[OUTPUT_COLUMNS]


OUTPUT_COLUMNS = [
    "window_hours", *SERIES_KEY, "observed_at", "value", "baseline_points", "baseline_mean",
    "baseline_std", "is_scored", "z_score", "weekly_reference_value", "weekly_difference_z", "weekly_reference_z",
]


def empty_scores() -> pd.DataFrame:
    types = {"window_hours": "int64", "service_name": "string", "metric_name": "string", "observed_at": "datetime64[us]",
             "baseline_points": "int64", "is_scored": "bool"}
    return pd.DataFrame({c: pd.Series(dtype=types.get(c, "float64")) for c in OUTPUT_COLUMNS})


# Edges of the model, identical in every Python model of the project (a test
# keeps them alike): what dbt.ref() returns differs by warehouse, so each input
# is converted to pandas once, on the way in, and the result once, on the way out.
def as_pandas(frame) -> pd.DataFrame:
    """pandas from what dbt.ref() gives: a DuckDB relation, a Spark or Snowpark DataFrame, or pandas."""
    if isinstance(frame, pd.DataFrame):
        return frame
    for method in ("toPandas", "to_pandas", "df"):  # Spark; Snowpark and pandas-on-Spark; DuckDB
        if callable(getattr(type(frame), method, None)):
            return getattr(frame, method)()
    raise TypeError(f"dbt.ref() returned a {type(frame).__name__}, which this model cannot read")


def to_warehouse_frame(result: pd.DataFrame, session):
    """The result in the form the adapter writes: pandas with microsecond timestamps (DuckDB
    TIMESTAMP like the SQL models; Snowpark takes pandas too), or on Spark a Spark DataFrame
    with an explicit schema, so that an empty result keeps its column types."""
    result = result.astype({c: "datetime64[us]" for c in result.select_dtypes("datetime").columns})
    if not callable(getattr(type(session), "createDataFrame", None)) or hasattr(session, "write_pandas"):
        return result
    spark_types = {"b": "boolean", "i": "bigint", "u": "bigint", "f": "double", "M": "timestamp"}
    schema = ", ".join(f"`{name}` {spark_types.get(dtype.kind, 'string')}" for name, dtype in result.dtypes.items())
    values = result.astype(object)
    for column in result.select_dtypes("datetime").columns:  # Spark takes datetime.datetime, not pandas Timestamps
        values[column] = pd.Series(result[column].to_numpy().astype("datetime64[us]").astype(object), index=result.index, dtype=object)
    rows = values.where(result.notna(), None).itertuples(index=False, name=None)
    return session.createDataFrame(list(rows), schema=schema)


def model(dbt, session):
    dbt.config(materialized="table")
    parameters = as_pandas(dbt.ref("int_detection__parameters")).iloc[0]
    metrics = as_pandas(dbt.ref("int_metrics__hourly"))
    windows = [int(parameters["anomaly_window_hours"])]
    windows += [int(w) for w in str(parameters["alert_budget_window_grid"]).split(",")]
    result = score_metrics(metrics, windows, float(parameters["anomaly_min_baseline_fraction"]))
    return to_warehouse_frame(result, session)
