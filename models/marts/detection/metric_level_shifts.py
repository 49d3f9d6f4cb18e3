"""Level shifts: sustained changes of a metric's mean that the z-score
detector misses (a silent failure moves a metric by a few sigma, for good).

For each hour t of a metric, the mean of its observed values in the last
level_shift_window_hours m, (t - m, t], is compared with the detector's
baseline just before that span: the metric_anomalies baseline of hour
t - m + 1 (its previous anomaly_window_hours hours). Welch-style statistic
    t = (after_mean - before_mean) / (before_std * sqrt(1/n_after + 1/n_before)).
|t| > level_shift_threshold is an alarm; consecutive alarmed hours of a metric
with the same direction form one level shift, reported at its first alarm.
Self-contained (no project imports): it must run where local modules cannot.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

HOUR = pd.Timedelta(hours=1)
SERIES_KEY = ["service_name", "metric_name"]
OUTPUT_COLUMNS = [
    "service_name", "metric_name", "detected_at", "span_started_at", "last_alarm_at", "alarm_hours", "direction",
    "before_mean", "after_mean", "shift", "shift_in_std", "peak_abs_t_stat", "is_silent",
]


def shift_statistics(anomalies: pd.DataFrame, span_hours: int) -> pd.DataFrame:
    """Per observed hour: after-span mean and count, the anchored baseline and the t statistic."""
    rows = anomalies.assign(observed_at=pd.to_datetime(anomalies["observed_at"])).sort_values(
        [*SERIES_KEY, "observed_at"], ignore_index=True)
    rolling = (rows.set_index("observed_at").groupby(SERIES_KEY)["value"].rolling(f"{span_hours}h"))
    rows["after_mean"] = rolling.mean().to_numpy()
    rows["after_points"] = rolling.count().to_numpy()
    anchors = rows.loc[rows["is_scored"].astype(bool), [*SERIES_KEY, "observed_at", "baseline_mean", "baseline_std", "baseline_points"]]
    anchors = anchors.rename(columns={"observed_at": "span_started_at", "baseline_mean": "before_mean",
                                      "baseline_std": "before_std", "baseline_points": "before_points"})
    rows["span_started_at"] = rows["observed_at"] - (span_hours - 1) * HOUR
    rows = rows.merge(anchors, on=[*SERIES_KEY, "span_started_at"], how="left")
    with np.errstate(invalid="ignore", divide="ignore"):
        standard_error = rows["before_std"] * np.sqrt(1 / rows["after_points"] + 1 / rows["before_points"])
        rows["t_stat"] = np.where(rows["before_std"] > 0, (rows["after_mean"] - rows["before_mean"]) / standard_error, np.nan)
    return rows


def detect_level_shifts(anomalies: pd.DataFrame, span_hours: int, threshold: float) -> pd.DataFrame:
    """One row per level shift (a run of consecutive alarmed hours of one direction)."""
    rows = shift_statistics(anomalies, span_hours)
    rows["direction"] = np.where(rows["t_stat"] > threshold, "up", np.where(rows["t_stat"] < -threshold, "down", None))
    alarmed = rows[rows["direction"].notna()].copy()
    if alarmed.empty:
        types = {"detected_at": "datetime64[us]", "span_started_at": "datetime64[us]", "last_alarm_at": "datetime64[us]",
                 "alarm_hours": "int64", "is_silent": "bool", "service_name": "string", "metric_name": "string", "direction": "string"}
        return pd.DataFrame({c: pd.Series(dtype=types.get(c, "float64")) for c in OUTPUT_COLUMNS})
    same_series = (alarmed[SERIES_KEY] == alarmed[SERIES_KEY].shift()).all(axis=1)
    continues = same_series & (alarmed["observed_at"].diff() == HOUR) & (alarmed["direction"] == alarmed["direction"].shift())
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
    return shifts.sort_values([*SERIES_KEY, "detected_at"], ignore_index=True)[OUTPUT_COLUMNS]


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
    anomalies = as_pandas(dbt.ref("metric_anomalies"))
    result = detect_level_shifts(anomalies, int(parameters["level_shift_window_hours"]), float(parameters["level_shift_threshold"]))
    return to_warehouse_frame(result, session)
