"""The anomaly decision at threshold k, applied to the rolling-baseline
scores (scoring.py) of the `notebook` method: by metric_anomalies at
(anomaly_window_hours, anomaly_k), and by alert_budget at every setting of
its grid (methods.py applies it, and the robust method's rule).

An hour is an outlier when |z_score| > k; it is an anomaly unless it repeats
an unusual reading of the same hour of last week (|weekly_difference_z| <= k
and |weekly_reference_z| > k). Row by row.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# metric_anomalies, as its YAML declares it
ANOMALIES_SCHEMA = {
    "service_name": "varchar", "metric_name": "varchar", "observed_at": "timestamp", "value": "double",
    "baseline_mean": "double", "baseline_std": "double", "z_score": "double", "is_anomaly": "boolean",
    "is_outlier": "boolean", "matches_weekly_pattern": "boolean", "weekly_reference_value": "double",
    "weekly_difference_z": "double", "weekly_reference_z": "double", "baseline_points": "bigint",
    "is_scored": "boolean", "window_hours": "bigint", "anomaly_k": "double", "anomaly_method": "varchar",
    "is_sustained": "boolean", "sample_size": "bigint", "sample_evidence_z": "double",
}


def decide(scores: pd.DataFrame, k: float) -> tuple[np.ndarray, np.ndarray]:
    """(is_outlier, is_anomaly) of each score row at threshold k."""
    with np.errstate(invalid="ignore"):
        outlier = np.abs(scores["z_score"].to_numpy(dtype=float)) > k
        repeats_last_week = (np.abs(scores["weekly_difference_z"].to_numpy(dtype=float)) <= k) & (
            np.abs(scores["weekly_reference_z"].to_numpy(dtype=float)) > k)
    return outlier, outlier & ~repeats_last_week
