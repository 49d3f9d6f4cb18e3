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

Scores of either method have one shape (SCORES_SCHEMA plus
`anomaly_method`): for `robust`, baseline_mean is the expected value,
baseline_std the robust scale and baseline_points the residual points the
scale rests on. Each method's scores depend on their own series only, so
every function here runs over any set of whole series (or services): all
of them at once on DuckDB, one group at a time on Spark.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from oncall_analytics.detection import paging, robust, sample_evidence, scoring, silence
from oncall_analytics.detection.incidents import INCIDENT_METRICS_SCHEMA, localize, number_incidents
from oncall_analytics.detection.rules import ANOMALIES_SCHEMA, decide
from oncall_analytics.detection.series import SERIES_KEY, bucket_starts, equals_value, per_window, rows_of, series_heads, series_names, series_order
from oncall_analytics.drivers import by_group, where
from oncall_analytics.frames import as_pandas, conform, empty, is_spark
from oncall_analytics.parameters import METHODS  # the methods, validated by the on-run-start hook

# the two last columns: the bucket's events behind a share or a percentile, and what they tell (sample_evidence.py)
SCORES_SCHEMA = {"anomaly_method": "varchar", **scoring.SCORES_SCHEMA, "sample_size": "bigint", "sample_evidence_z": "double"}


def robust_params(grain_minutes: int, window_hours: float, min_history_hours: float = robust.DEFAULTS.min_history_hours,
                  time_zone: str = robust.DEFAULTS.time_zone) -> robust.RobustParams:
    """The robust kernel at the grain, its level baseline over the window, scoring once the scale rests on
    min_history_hours of residuals, its daily and weekly profiles on the clock of time_zone (the package's
    defaults otherwise)."""
    return robust.RobustParams(grain_minutes=int(grain_minutes), baseline_hours=float(window_hours),
                               min_history_hours=float(min_history_hours), time_zone=time_zone)


# int_metrics__anomaly_scores column <- robust.score_many column
ROBUST_COLUMNS = {"baseline_points": "scale_points", "baseline_mean": "expected_value", "baseline_std": "scale",
                  "is_scored": "is_scored", "z_score": "z_score", "weekly_reference_value": "weekly_reference_value",
                  "weekly_difference_z": "weekly_difference_z", "weekly_reference_z": "weekly_reference_z",
                  "sample_size": "sample_size", "sample_evidence_z": "sample_evidence_z"}


def ordered_column(metrics: pd.DataFrame, name: str, rows: np.ndarray | None, size: int) -> np.ndarray:
    """int_metrics__hourly's `sample_size`, `quantile_level` (NaN for other metrics) or `is_event_count` (1 or 0)
    in series_order's order.
    For a frame without the column, `size` NaN in a read-only view of one value: no memory per row (bench/)."""
    if name not in metrics:
        return np.broadcast_to(np.float64(np.nan), (size,))
    return rows_of(metrics[name].to_numpy(dtype=float, na_value=np.nan), rows)


def with_sample_evidence(scores: dict[str, np.ndarray], edges: np.ndarray, minutes: np.ndarray, values: np.ndarray,
                         sizes: np.ndarray, levels: np.ndarray, window_hours: int, min_points: float) -> dict[str, np.ndarray]:
    """The robust kernel's scores of one window with the |z| of a share or a percentile capped at what its
    bucket's events can tell (sample_evidence.py), a share that never moved scored at its evidence, and the
    sample size and evidence as columns. Without any sample size (logs of readings, the bench's metrics)
    nothing is computed: both columns are the all-missing `sizes` (read only)."""
    if sizes.strides == (0,) or not np.isfinite(sizes).any():  # strides 0: the view of one NaN, nothing to scan
        return {**scores, "sample_size": sizes, "sample_evidence_z": sizes}
    # a percentile is not a share: each rule on its own rows (each returns NaN on the other's)
    is_quantile = np.isfinite(levels)
    shares = sample_evidence.share_evidence(edges, minutes, values, np.where(is_quantile, np.nan, sizes),
                                            scores["expected_value"], window_hours * 60)
    quantiles = sample_evidence.quantile_evidence(edges, minutes, sizes, levels, window_hours * 60)
    evidence = np.where(is_quantile, quantiles, shares)
    scores = sample_evidence.score_flat_shares(scores, evidence, is_quantile, min_points)
    return {**scores, "z_score": sample_evidence.cap_by_evidence(scores["z_score"], evidence), "sample_size": sizes,
            "sample_evidence_z": evidence}


def with_silence_evidence(scores: dict[str, np.ndarray], edges: np.ndarray, minutes: np.ndarray, values: np.ndarray,
                          is_count: np.ndarray, window_hours: int, grain_minutes: int) -> dict[str, np.ndarray]:
    """The robust scores with each silent or collapsed bucket of a count (requests or invocations at 0, or at a
    tenth of their window's lower quartile) scored at least as extreme as its silence z (silence.py), which its
    `sample_evidence_z` shows. Without a count series (logs of readings, the bench's metrics) nothing is
    computed."""
    if is_count.strides == (0,) or not (is_count == 1.0).any():  # strides 0: the view of one NaN, nothing to scan
        return scores
    evidence = silence.silence_z(edges, minutes, values, is_count, window_hours * 60, grain_minutes)
    evidence[~scores["is_scored"].astype(bool)] = np.nan  # shown where it counts: on the scored buckets
    return {**silence.with_silence(scores, evidence, values),
            "sample_evidence_z": np.where(np.isnan(evidence), scores["sample_evidence_z"], evidence)}


def constant_column(value, size: int) -> np.ndarray:
    """`size` copies of `value` (text or a number) as a read-only view of one value, like the missing sample
    sizes (ordered_column): a column that never differs needs no memory per row. Written out, each of the
    robust step's three (method, window, k) cost 10 to 150 ms a year of 1,000 series (fresh pages; one
    reference per row for text) on the bench's machine."""
    one = np.empty(1, dtype=object) if isinstance(value, str) else np.empty(1, dtype=type(value))
    one[0] = value
    return np.broadcast_to(one, (size,))


def score_robust(metrics: pd.DataFrame, windows: list[int], grain_minutes: int,
                 min_history_hours: float = robust.DEFAULTS.min_history_hours, time_zone: str = robust.DEFAULTS.time_zone
                 ) -> pd.DataFrame:
    """SCORES_SCHEMA rows of the robust kernel (robust.score_many, chunks of series at once), one copy per window,
    grouped by series in time order. `observed_at` must be bucket starts at the grain (int_metrics__hourly)."""
    rows, edges, minutes, values = series_order(metrics)
    windows = sorted(set(int(w) for w in windows))
    if len(values) == 0 or not windows:
        return empty(SCORES_SCHEMA)
    size, copies = len(values), len(windows)
    sizes, levels, is_count = (ordered_column(metrics, name, rows, size) for name in ("sample_size", "quantile_level", "is_event_count"))
    min_points = float(min_history_hours) * 60 / int(grain_minutes)   # the kernel's: the history a scale rests on
    scored = [with_silence_evidence(
        with_sample_evidence(
            sample_evidence.with_count_floor(
                robust.score_chunks(minutes, values, edges, robust_params(grain_minutes, window, min_history_hours, time_zone)), is_count),
            edges, minutes, values, sizes, levels, window, min_points),
        edges, minutes, values, is_count, window, grain_minutes) for window in windows]
    scored = {name: per_window([copy[source] for copy in scored]) for name, source in ROBUST_COLUMNS.items()}
    keys = {
        "anomaly_method": constant_column("robust", size * copies),
        "window_hours": constant_column(np.int64(windows[0]), size) if copies == 1 else np.repeat(np.array(windows, dtype=np.int64), size),
        "service_name": per_window([series_names(metrics["service_name"].to_numpy(), rows, edges)] * copies),
        "metric_name": per_window([series_names(metrics["metric_name"].to_numpy(), rows, edges)] * copies),
        "observed_at": per_window([bucket_starts(metrics["observed_at"], rows, minutes)] * copies),
        "value": per_window([values] * copies),
    }
    # copy=False: no consolidation into 2-D blocks (a full copy of every column)
    return pd.DataFrame({name: keys[name] if name in keys else scored[name] for name in SCORES_SCHEMA}, copy=False)


def score_notebook(metrics: pd.DataFrame, windows: list[int], min_baseline_fraction: float, grain_minutes: int) -> pd.DataFrame:
    """SCORES_SCHEMA rows of the notebook's kernel (scoring.score_frame): it reads values only, so the sample
    size is shown and nothing is capped."""
    notebook = scoring.score_frame(metrics, windows, min_baseline_fraction, grain_minutes=grain_minutes)
    notebook.insert(0, "anomaly_method", constant_column("notebook", len(notebook)))
    copies = len({int(window) for window in windows})
    if len(notebook):  # one copy of the usable rows per window, each in series_order's order
        rows = series_order(metrics)[0] if "sample_size" in metrics else None
        notebook["sample_size"] = per_window([ordered_column(metrics, "sample_size", rows, len(notebook) // copies)] * copies)
    else:
        notebook["sample_size"] = np.zeros(0)
    notebook["sample_evidence_z"] = np.nan
    return conform(notebook, SCORES_SCHEMA)


def score_both(metrics: pd.DataFrame, windows: list[int], min_baseline_fraction: float, grain_minutes: int,
               min_history_hours: float = robust.DEFAULTS.min_history_hours, methods: tuple[str, ...] = METHODS,
               time_zone: str = robust.DEFAULTS.time_zone) -> pd.DataFrame:
    """Scores of `methods` (both by default: alert_budget compares them) for every window."""
    frames = []
    if "notebook" in methods:
        frames.append(score_notebook(metrics, windows, min_baseline_fraction, grain_minutes))
    if "robust" in methods:
        frames.append(conform(score_robust(metrics, windows, grain_minutes, min_history_hours, time_zone), SCORES_SCHEMA))
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def score_metrics(metrics, windows: list[int], min_baseline_fraction: float, grain_minutes: int,
                  min_history_hours: float = robust.DEFAULTS.min_history_hours, methods: tuple[str, ...] = METHODS,
                  time_zone: str = robust.DEFAULTS.time_zone):
    """Scores of `methods` at `windows` from the bucketed metrics (pandas, DuckDB or Spark: series by series):
    int_metrics__anomaly_scores holds the var's method at anomaly_window_hours."""
    kernel = partial(score_both, windows=windows, min_baseline_fraction=min_baseline_fraction, grain_minutes=grain_minutes,
                     min_history_hours=min_history_hours, methods=tuple(methods), time_zone=time_zone)
    if is_spark(metrics):
        return by_group(metrics, SERIES_KEY, kernel, SCORES_SCHEMA)
    if callable(getattr(type(metrics), "order", None)):  # DuckDB: ordered in the engine, which spares a sort here
        metrics = metrics.order(", ".join([*SERIES_KEY, "observed_at"]))
    return kernel(as_pandas(metrics))


def flag_method(scores: pd.DataFrame, method: str, k: float, params: paging.PagingParams = paging.DEFAULTS,
                heads: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """is_outlier, is_sustained, matches_weekly_pattern, is_anomaly of score rows of one method and window.
    The robust rule looks back along each series: rows must be grouped by series and ordered by time
    (`heads`: the first row of each series, series.series_heads, found here when not given)."""
    if method == "notebook":
        outlier, anomaly = decide(scores, k)
        return {"is_outlier": outlier, "is_sustained": np.zeros(len(scores), dtype=bool),
                "matches_weekly_pattern": outlier & ~anomaly, "is_anomaly": anomaly}
    if heads is None:
        heads = series_heads(scores)[0]
    params = paging.PagingParams(**{**params.__dict__, "anomaly_k": float(k)})
    return paging.flag_points(scores["z_score"], scores["weekly_difference_z"], scores["weekly_reference_z"], heads, params)


def flag_anomalies(scores: pd.DataFrame, method: str, window_hours: int, k: float,
                   params: paging.PagingParams = paging.DEFAULTS) -> pd.DataFrame:
    """metric_anomalies rows: the scores of `method` at `window_hours` with the anomaly decision at k."""
    # scores of scoring.score_metrics alone (no anomaly_method column) are the notebook's
    of_method = (equals_value(scores["anomaly_method"].to_numpy(), method) if "anomaly_method" in scores
                 else np.full(len(scores), method == "notebook"))
    wanted = of_method & (scores["window_hours"].to_numpy() == window_hours)
    chosen = scores if wanted.all() else scores[wanted]
    heads = None
    if method != "notebook":  # the robust rule looks back along each series: grouped, in time order
        heads, in_order = series_heads(chosen)
        if not in_order:
            chosen = chosen.sort_values([*SERIES_KEY, "observed_at"], ignore_index=True)
            heads = series_heads(chosen)[0]
    # the rows are all of `method`: their own column says so already (a fresh 8.76M-row object column costs 0.15 s)
    method_column = chosen["anomaly_method"].to_numpy() if "anomaly_method" in chosen else constant_column(method, len(chosen))
    decided = {**flag_method(chosen, method, k, params, heads), "anomaly_k": constant_column(np.float64(k), len(chosen)),
               "anomaly_method": method_column,
               "baseline_points": chosen["baseline_points"].to_numpy(dtype=np.int64)}
    for name in ["sample_size", "sample_evidence_z"]:  # absent from scoring.score_metrics' scores alone
        if name not in chosen:
            decided[name] = np.full(len(chosen), np.nan)
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
