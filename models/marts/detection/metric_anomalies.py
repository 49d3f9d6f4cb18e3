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
    """Rows of `scores` for `window_hours`, with the anomaly decision at threshold k."""
    flagged = scores[scores["window_hours"] == window_hours].copy()
    # The rule is also applied in alert_budget (self-contained models cannot
    # share code); python_checks asserts both agree.
    outlier = (flagged["z_score"].abs() > k).to_numpy()
    repeats_last_week = ((flagged["weekly_difference_z"].abs() <= k) & (flagged["weekly_reference_z"].abs() > k)).to_numpy()
    anomaly = outlier & ~repeats_last_week
    flagged["is_outlier"] = outlier
    flagged["is_anomaly"] = anomaly
    flagged["matches_weekly_pattern"] = outlier & ~anomaly
    flagged["anomaly_k"] = float(k)
    flagged["baseline_points"] = flagged["baseline_points"].astype(np.int64)
    return flagged.sort_values(["service_name", "metric_name", "observed_at"], ignore_index=True)[OUTPUT_COLUMNS]


def model(dbt, session):
    dbt.config(materialized="table")
    parameters = dbt.ref("int_detection__parameters").df().iloc[0]
    scores = dbt.ref("int_metrics__anomaly_scores").df()
    result = flag_anomalies(scores, int(parameters["anomaly_window_hours"]), float(parameters["anomaly_k"]))
    # microsecond timestamps: DuckDB TIMESTAMP like the SQL models, not TIMESTAMP_NS
    return result.astype({c: "datetime64[us]" for c in result.select_dtypes("datetime").columns})
