"""The two detection methods behind the var `anomaly_method`, one interface
for the dbt models (int_metrics__anomaly_scores, metric_anomalies,
incident_metrics, alert_budget):

- `notebook`: the notebook's rolling z-score (scoring.py), its anomaly rule
  at k with the weekly excuse (rules.py) and its incidents (a gap of more
  than incident_cluster_gap_hours between a service's flags starts a new
  one, incidents.py). Reproduces the notebook's flags exactly.
- `robust` (default): the seasonal, robust, gap-tolerant kernel (robust.py,
  its level baseline over the window) and the flag and paging rules of
  paging.py: outliers beyond k or sustained evidence just under it, and
  incidents that page once per problem (incident_quiet_hours,
  incident_join_gap_hours, incident_join_min_abs_correlation,
  incident_join_max_lag_hours).

Scores of both methods share one table (SCORES_SCHEMA plus
`anomaly_method`): for `robust`, baseline_mean is the expected value,
baseline_std the robust scale and baseline_points the residual points the
scale rests on. Each method's scores are computed per series, so every
function here runs over one service's (or series') rows on Spark.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from oncall_analytics.detection import paging, robust, scoring
from oncall_analytics.detection.incidents import INCIDENT_METRICS_SCHEMA, localize, number_incidents
from oncall_analytics.detection.rules import ANOMALIES_SCHEMA, decide
from oncall_analytics.drivers import by_group, where
from oncall_analytics.frames import as_pandas, conform, empty, is_spark
from oncall_analytics.parameters import METHODS  # noqa: F401  (the methods, validated by the on-run-start hook)

SERIES_KEY = ["service_name", "metric_name"]
SCORES_SCHEMA = {"anomaly_method": "varchar", **scoring.SCORES_SCHEMA}


def robust_params(grain_minutes: int, window_hours: float) -> robust.RobustParams:
    """The robust kernel at the grain, its level baseline over the window (the package's other defaults)."""
    return robust.RobustParams(grain_minutes=int(grain_minutes), baseline_hours=float(window_hours))


def score_robust(metrics: pd.DataFrame, windows: list[int], grain_minutes: int) -> pd.DataFrame:
    """SCORES_SCHEMA rows of the robust kernel, one copy per window."""
    metrics = metrics.dropna(subset=[*SERIES_KEY, "observed_at", "value"])
    metrics = metrics[np.isfinite(metrics["value"].to_numpy(dtype=float))]
    frames = []
    for window in sorted(set(int(w) for w in windows)):
        scored = robust.score_frame(metrics[[*SERIES_KEY, "observed_at", "value"]], robust_params(grain_minutes, window))
        frames.append(pd.DataFrame({
            "anomaly_method": "robust", "window_hours": np.int64(window), "service_name": scored["service_name"].to_numpy(),
            "metric_name": scored["metric_name"].to_numpy(), "observed_at": pd.to_datetime(scored["observed_at"]).to_numpy(),
            "value": scored["value"].to_numpy(dtype=float), "baseline_points": scored["scale_points"].to_numpy(),
            "baseline_mean": scored["expected_value"].to_numpy(), "baseline_std": scored["scale"].to_numpy(),
            "is_scored": scored["is_scored"].to_numpy(), "z_score": scored["z_score"].to_numpy(),
            "weekly_reference_value": scored["weekly_reference_value"].to_numpy(),
            "weekly_difference_z": scored["weekly_difference_z"].to_numpy(),
            "weekly_reference_z": scored["weekly_reference_z"].to_numpy(),
        }))
    return pd.concat(frames, ignore_index=True) if frames else empty(SCORES_SCHEMA)


def score_both(metrics: pd.DataFrame, windows: list[int], min_baseline_fraction: float, grain_minutes: int) -> pd.DataFrame:
    """Scores of both methods for every window (the rows of int_metrics__anomaly_scores)."""
    notebook = scoring.score_frame(metrics, windows, min_baseline_fraction, grain_minutes=grain_minutes)
    notebook.insert(0, "anomaly_method", "notebook")
    return pd.concat([conform(notebook, SCORES_SCHEMA), conform(score_robust(metrics, windows, grain_minutes), SCORES_SCHEMA)],
                     ignore_index=True)


def score_metrics(metrics, windows: list[int], min_baseline_fraction: float, grain_minutes: int):
    """int_metrics__anomaly_scores from the bucketed metrics (pandas, DuckDB or Spark: series by series)."""
    if is_spark(metrics):
        return by_group(metrics, SERIES_KEY, partial(score_both, windows=windows, min_baseline_fraction=min_baseline_fraction,
                                                     grain_minutes=grain_minutes), SCORES_SCHEMA)
    if callable(getattr(type(metrics), "order", None)):  # DuckDB: ordered in the engine, which spares a sort here
        metrics = metrics.order(", ".join([*SERIES_KEY, "observed_at"]))
    return score_both(as_pandas(metrics), windows, min_baseline_fraction, grain_minutes)


def flag_method(scores: pd.DataFrame, method: str, k: float, params: paging.PagingParams = paging.DEFAULTS) -> dict[str, np.ndarray]:
    """is_outlier, is_sustained, matches_weekly_pattern, is_anomaly of score rows of one method and window.
    The robust rule looks back along each series: rows must be grouped by series and ordered by time."""
    if method == "notebook":
        outlier, anomaly = decide(scores, k)
        return {"is_outlier": outlier, "is_sustained": np.zeros(len(scores), dtype=bool),
                "matches_weekly_pattern": outlier & ~anomaly, "is_anomaly": anomaly}
    services, metrics_ = scores["service_name"].to_numpy(), scores["metric_name"].to_numpy()
    new = np.r_[True, (services[1:] != services[:-1]) | (metrics_[1:] != metrics_[:-1])] if len(scores) else np.zeros(0, bool)
    starts = np.maximum.accumulate(np.where(new, np.arange(len(scores)), 0)) if len(scores) else np.zeros(0, np.int64)
    params = paging.PagingParams(**{**params.__dict__, "anomaly_k": float(k)})
    return paging.flag_points(scores["z_score"], scores["weekly_difference_z"], scores["weekly_reference_z"], starts, params)


def flag_anomalies(scores: pd.DataFrame, method: str, window_hours: int, k: float,
                   params: paging.PagingParams = paging.DEFAULTS) -> pd.DataFrame:
    """metric_anomalies rows: the scores of `method` at `window_hours` with the anomaly decision at k."""
    # scores of scoring.score_metrics alone (no anomaly_method column) are the notebook's
    of_method = (scores["anomaly_method"] == method).to_numpy() if "anomaly_method" in scores else np.full(len(scores), method == "notebook")
    chosen = scores[of_method & (scores["window_hours"] == window_hours).to_numpy()]
    chosen = chosen.sort_values([*SERIES_KEY, "observed_at"], ignore_index=True)
    decided = {**flag_method(chosen, method, k, params), "anomaly_k": np.full(len(chosen), float(k)),
               "anomaly_method": np.full(len(chosen), method, dtype=object),
               "baseline_points": chosen["baseline_points"].to_numpy(dtype=np.int64)}
    return pd.DataFrame({name: decided[name] if name in decided else chosen[name].to_numpy() for name in ANOMALIES_SCHEMA},
                        copy=False)


def metric_anomalies(scores, method: str, window_hours: int, k: float, params: paging.PagingParams = paging.DEFAULTS):
    """The metric_anomalies rows (pandas, DuckDB or Spark: series by series)."""
    kernel = partial(flag_anomalies, method=method, window_hours=window_hours, k=k, params=params)
    if is_spark(scores):
        scores = scores.where((scores["anomaly_method"] == method) & (scores["window_hours"] == window_hours))
    return by_group(scores, SERIES_KEY, kernel, ANOMALIES_SCHEMA)


def page_robust(anomalies: pd.DataFrame, grain_minutes: int, params: paging.PagingParams) -> pd.DataFrame:
    """incident_metrics rows of one or more services by the robust paging rules (paging.page_incidents)."""
    scored = anomalies[anomalies["is_scored"].astype(bool)].assign(observed_at=lambda f: pd.to_datetime(f["observed_at"]))
    found = paging.page_incidents(scored, grain_minutes, params)
    if found.empty:
        return empty(INCIDENT_METRICS_SCHEMA)
    return found.assign(onset_lag_hours=found["onset_lag_minutes"] / 60.0,
                        flagged_hours=found["flagged_points"] * (grain_minutes / 60.0))


def localize_method(anomalies: pd.DataFrame, method: str, gap_hours: float, grain_minutes: int,
                    params: paging.PagingParams) -> pd.DataFrame:
    """incident_metrics rows of one service's metric_anomalies rows, by the method's incident rule."""
    if method == "notebook":
        return localize(anomalies, gap_hours, grain_minutes)
    return page_robust(anomalies, grain_minutes, params)


def incident_metrics(anomalies, method: str, gap_hours: float, grain_minutes: int, params: paging.PagingParams = paging.DEFAULTS):
    """The incident_metrics rows (pandas, DuckDB or Spark: service by service, then numbered).
    The robust paging reads the z-scores of every scored bucket (its correlation test), the notebook's
    clustering the anomalies only."""
    rows = where(anomalies, "is_anomaly") if method == "notebook" else anomalies
    kernel = partial(localize_method, method=method, gap_hours=gap_hours, grain_minutes=grain_minutes, params=params)
    return number_incidents(as_pandas(by_group(rows, ["service_name"], kernel, INCIDENT_METRICS_SCHEMA)))
