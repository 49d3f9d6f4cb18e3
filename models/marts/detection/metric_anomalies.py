"""Rolling z-score anomalies: one row per service, metric and observed hour.

Reads the scores at the configured window (anomaly_window_hours) from
int_metrics__anomaly_scores and applies the threshold: an hour is an anomaly
when |value - baseline_mean| > anomaly_k * baseline_std (baseline = the
previous window hours, no lookahead, population std; a flat baseline flags
nothing) and it does not repeat the same hour of an earlier week.
Self-contained (no project imports): it must run where local modules cannot.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

OUTPUT_COLUMNS = [
    "service_name", "metric_name", "observed_at", "value", "baseline_mean", "baseline_std", "z_score",
    "is_anomaly", "is_outlier", "matches_weekly_pattern", "weekly_reference_value", "weekly_difference_z",
    "weekly_reference_z",
    "baseline_points", "is_scored", "window_hours", "anomaly_k",
]


def flag_anomalies(scores: pd.DataFrame, window_hours: int, k: float) -> pd.DataFrame:
    """Rows of `scores` for `window_hours`, in their order, with the anomaly decision at threshold k.
    (No sort: score_metrics gives service, metric and hour order, and a table has none.)"""
    in_window = (scores["window_hours"] == window_hours).to_numpy()
    flagged = scores if in_window.all() else scores[in_window]
    z_score = flagged["z_score"].to_numpy(dtype=float)
    # The rule is also applied in alert_budget (self-contained models cannot
    # share code); python_checks asserts both agree.
    with np.errstate(invalid="ignore"):
        outlier = np.abs(z_score) > k
        repeats_last_week = (np.abs(flagged["weekly_difference_z"].to_numpy(dtype=float)) <= k) & (
            np.abs(flagged["weekly_reference_z"].to_numpy(dtype=float)) > k)
    anomaly = outlier & ~repeats_last_week
    decided = {
        "is_outlier": outlier,
        "is_anomaly": anomaly,
        "matches_weekly_pattern": outlier & ~anomaly,
        "anomaly_k": np.full(len(flagged), float(k)),
        "baseline_points": flagged["baseline_points"].to_numpy(dtype=np.int64),
    }
    columns = {name: decided[name] if name in decided else flagged[name].to_numpy() for name in OUTPUT_COLUMNS}
    return pd.DataFrame(columns, copy=False)


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
    scores = as_pandas(dbt.ref("int_metrics__anomaly_scores"))
    result = flag_anomalies(scores, int(parameters["anomaly_window_hours"]), float(parameters["anomaly_k"]))
    return to_warehouse_frame(result, session)
