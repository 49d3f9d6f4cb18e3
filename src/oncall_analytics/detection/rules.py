"""The anomaly decision at threshold k, applied to the rolling-baseline
scores (scoring.py): by metric_anomalies at (anomaly_window_hours,
anomaly_k), and by alert_budget at every setting of its grid.

An hour is an outlier when |z_score| > k; it is an anomaly unless it repeats
an unusual reading of the same hour of last week (|weekly_difference_z| <= k
and |weekly_reference_z| > k). Row by row, so on Spark it runs batch by
batch (mapInPandas).
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from oncall_analytics.drivers import by_rows

# metric_anomalies, as its YAML declares it
ANOMALIES_SCHEMA = {
    "service_name": "varchar", "metric_name": "varchar", "observed_at": "timestamp", "value": "double",
    "baseline_mean": "double", "baseline_std": "double", "z_score": "double", "is_anomaly": "boolean",
    "is_outlier": "boolean", "matches_weekly_pattern": "boolean", "weekly_reference_value": "double",
    "weekly_difference_z": "double", "weekly_reference_z": "double", "baseline_points": "bigint",
    "is_scored": "boolean", "window_hours": "bigint", "anomaly_k": "double",
}


def decide(scores: pd.DataFrame, k: float) -> tuple[np.ndarray, np.ndarray]:
    """(is_outlier, is_anomaly) of each score row at threshold k."""
    with np.errstate(invalid="ignore"):
        outlier = np.abs(scores["z_score"].to_numpy(dtype=float)) > k
        repeats_last_week = (np.abs(scores["weekly_difference_z"].to_numpy(dtype=float)) <= k) & (
            np.abs(scores["weekly_reference_z"].to_numpy(dtype=float)) > k)
    return outlier, outlier & ~repeats_last_week


def flag_anomalies(scores: pd.DataFrame, window_hours: int, k: float) -> pd.DataFrame:
    """Rows of `scores` for `window_hours`, in their order, with the anomaly decision at threshold k.
    (No sort: score_metrics gives service, metric and hour order, and a table has none.)"""
    in_window = (scores["window_hours"] == window_hours).to_numpy()
    flagged = scores if in_window.all() else scores[in_window]
    outlier, anomaly = decide(flagged, k)
    decided = {
        "is_outlier": outlier,
        "is_anomaly": anomaly,
        "matches_weekly_pattern": outlier & ~anomaly,
        "anomaly_k": np.full(len(flagged), float(k)),
        "baseline_points": flagged["baseline_points"].to_numpy(dtype=np.int64),
    }
    columns = {name: decided[name] if name in decided else flagged[name].to_numpy() for name in ANOMALIES_SCHEMA}
    return pd.DataFrame(columns, copy=False)


def metric_anomalies(scores, window_hours: int, k: float):
    """The metric_anomalies rows from int_metrics__anomaly_scores (pandas, DuckDB or Spark)."""
    return by_rows(scores, partial(flag_anomalies, window_hours=window_hours, k=k), ANOMALIES_SCHEMA)
