"""Alert budget (the model alert_budget): what each detector setting
(method x baseline window x threshold k) would have cost on-call and what it
would have caught, scored against the labelled incidents (stg_oncall__incident_labels).

For each setting the method's anomaly rule (methods.py) is applied to the
scores of that method and window (computed here from int_metrics__hourly,
service by service: the hourly run scores only the current setting), and
the flags of each service become pages the way the method pages: the
notebook's clustering (incidents.py, with
incident_cluster_gap_hours), or the robust method's incidents (paging.py,
one page per problem). Pages are matched with labels: a page overlapping a label of its service is true, any
other page on a labelled service is false (unlabelled services are left
out: no ground truth there). A label covers the buckets its start and end
fall in (a label from 14:20 holds the 14:00 bucket of an hourly grain), as
eval-detector reads a window.

Two steps: `service_counts` counts per service and setting (on Spark service
by service, groupBy(service_name).applyInPandas; the labels, one row per
incident, are read whole), then `combine` adds the services up and picks
the recommended setting.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from oncall_analytics.detection import paging, robust
from oncall_analytics.detection.incidents import cluster_flags
from oncall_analytics.detection.methods import flag_method, page_robust, score_both
from oncall_analytics.drivers import by_group
from oncall_analytics.frames import as_pandas, empty, is_spark

HOUR = pd.Timedelta(hours=1)
WEEK = pd.Timedelta(hours=168)
# alert_budget, as its YAML declares it
ALERT_BUDGET_SCHEMA = {
    "anomaly_method": "varchar", "window_hours": "bigint", "anomaly_k": "double", "flags": "bigint", "pages": "bigint", "true_pages": "bigint",
    "false_pages": "bigint", "weeks_of_data": "double", "false_pages_per_week": "double", "labelled_incidents": "bigint",
    "incidents_caught": "bigint", "incidents_missed": "bigint", "mean_detection_delay_hours": "double",
    "is_current_setting": "boolean", "is_recommended": "boolean",
}
# What service_counts gives combine: one row per service and setting.
COUNTS_SCHEMA = {
    "service_name": "varchar", "anomaly_method": "varchar", "window_hours": "bigint", "anomaly_k": "double", "weeks_of_data": "double",
    "flags": "bigint", "pages": "bigint", "true_pages": "bigint", "incidents_caught": "bigint",
    "delay_hours_sum": "double", "delays": "bigint",
}


def typed_labels(labels: pd.DataFrame) -> pd.DataFrame:
    """Labels with timestamps and a `label` number (their row in the labels table, sorted by label_id)."""
    labels = labels.sort_values("label_id", ignore_index=True) if "label_id" in labels.columns else labels.reset_index(drop=True)
    return labels.assign(started_at=pd.to_datetime(labels["started_at"]), ended_at=pd.to_datetime(labels["ended_at"]),
                         label=np.arange(len(labels)))


def notebook_pages(flags: pd.DataFrame, gap_hours: float) -> pd.DataFrame:
    """Pages (cluster, service_name, page_start, page_end) of the notebook's rule: flags clustered by gap."""
    clustered = cluster_flags(flags, gap_hours)
    return clustered.groupby("cluster", as_index=False).agg(service_name=("service_name", "first"), page_start=("observed_at", "min"),
                                                            page_end=("observed_at", "max"))


def robust_pages(flagged: pd.DataFrame, grain_minutes: int, params: paging.PagingParams) -> pd.DataFrame:
    """Pages of the robust method: its incidents (one per problem), from flagged score rows."""
    found = page_robust(flagged, grain_minutes, params)
    pages = found.groupby("incident_id", as_index=False).agg(service_name=("service_name", "first"), page_start=("onset_at", "min"),
                                                             page_end=("last_flag_at", "max"))
    return pages.rename(columns={"incident_id": "cluster"})


def setting_counts(flags: pd.DataFrame, pages: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Per service, for one setting: flags, pages, true pages, labels caught, and the detection delays."""
    pairs = pages.merge(labels, on="service_name")
    overlapping = pairs[(pairs["page_start"] <= pairs["ended_at"]) & (pairs["page_end"] >= pairs["started_at"])]
    in_label = flags.merge(labels, on="service_name")
    in_label = in_label[(in_label["observed_at"] >= in_label["started_at"]) & (in_label["observed_at"] <= in_label["ended_at"])]
    first_flag = in_label.groupby(["service_name", "label"], as_index=False).agg(first=("observed_at", "min"), started_at=("started_at", "first"))
    first_flag["delay_hours"] = (first_flag["first"] - first_flag["started_at"]) / HOUR
    return pd.DataFrame({
        "flags": flags.groupby("service_name").size(),
        "pages": pages.groupby("service_name").size(),
        "true_pages": overlapping.groupby("service_name")["cluster"].nunique(),
        "incidents_caught": overlapping.groupby("service_name")["label"].nunique(),
        "delay_hours_sum": first_flag.groupby("service_name")["delay_hours"].sum(),
        "delays": first_flag.groupby("service_name").size(),
    })


def service_counts(scores: pd.DataFrame, labels: pd.DataFrame, ks: list[float], gap_hours: float, grain_minutes: int = 60,
                   params: paging.PagingParams = paging.DEFAULTS) -> pd.DataFrame:
    """COUNTS_SCHEMA rows: each labelled service of `scores` at each (anomaly_method, window_hours, k)."""
    labels = typed_labels(labels)
    # a label holds the buckets its times fall in, as eval-detector reads a window: flags and pages are bucket
    # starts, and a label from 14:20 is caught by the 14:00 bucket of an hourly grain
    grain = f"{int(grain_minutes)}min"
    labels = labels.assign(started_at=labels["started_at"].dt.floor(grain), ended_at=labels["ended_at"].dt.floor(grain))
    scores = scores[scores["service_name"].isin(labels["service_name"])].assign(observed_at=lambda s: pd.to_datetime(s["observed_at"]))
    if scores.empty:
        return empty(COUNTS_SCHEMA)
    spans = scores.groupby("service_name")["observed_at"].agg(["min", "max"])
    weeks = (spans["max"] - spans["min"] + pd.Timedelta(minutes=grain_minutes)) / WEEK
    if "anomaly_method" not in scores:  # scoring.score_metrics alone: the notebook's scores
        scores = scores.assign(anomaly_method="notebook")
    frames = []
    for (method, window), setting_scores in scores.groupby(["anomaly_method", "window_hours"]):
        setting_scores = setting_scores.sort_values(["service_name", "metric_name", "observed_at"], ignore_index=True)
        for k in ks:
            flagged = setting_scores.assign(is_anomaly=flag_method(setting_scores, method, k, params)["is_anomaly"])
            flags = flagged.loc[flagged["is_anomaly"], ["service_name", "observed_at"]]
            if method == "notebook":
                pages = notebook_pages(flags, gap_hours)
            else:
                pages = robust_pages(flagged, grain_minutes, paging.PagingParams(**{**params.__dict__, "anomaly_k": float(k)}))
            counts = setting_counts(flags, pages, labels).reindex(weeks.index).fillna(0)
            frames.append(counts.assign(anomaly_method=method, window_hours=int(window), anomaly_k=float(k), weeks_of_data=weeks))
    counts = pd.concat(frames).rename_axis("service_name").reset_index()
    return counts.astype({c: "int64" for c in ("flags", "pages", "true_pages", "incidents_caught", "delays")})[list(COUNTS_SCHEMA)]


def combine(counts: pd.DataFrame, labelled_incidents: int, current_method: str, current_window: int, current_k: float) -> pd.DataFrame:
    """One alert_budget row per (anomaly_method, window_hours, k): the services added up, then the recommendation."""
    if counts.empty:
        return empty(ALERT_BUDGET_SCHEMA)
    counts = counts.sort_values(["anomaly_method", "window_hours", "anomaly_k", "service_name"], ignore_index=True)
    weeks = float(counts.drop_duplicates("service_name")["weeks_of_data"].sum())
    budget = counts.groupby(["anomaly_method", "window_hours", "anomaly_k"], as_index=False)[
        ["flags", "pages", "true_pages", "incidents_caught", "delay_hours_sum", "delays"]].sum()
    budget["false_pages"] = budget["pages"] - budget["true_pages"]
    budget["weeks_of_data"] = weeks
    budget["labelled_incidents"] = labelled_incidents
    budget["incidents_missed"] = labelled_incidents - budget["incidents_caught"]
    budget["mean_detection_delay_hours"] = np.where(budget["delays"] > 0, budget["delay_hours_sum"] / budget["delays"].clip(lower=1), np.nan)
    budget["false_pages_per_week"] = budget["false_pages"] / weeks if weeks else np.nan
    budget["is_current_setting"] = ((budget["anomaly_method"] == current_method) & (budget["window_hours"] == current_window)
                                    & np.isclose(budget["anomaly_k"], current_k))
    ranked = budget.sort_values(["incidents_missed", "false_pages", "mean_detection_delay_hours", "anomaly_k", "window_hours", "anomaly_method"],
                                ascending=[True, True, True, False, True, True], na_position="last")
    budget["is_recommended"] = budget.index == ranked.index[0]
    return budget[list(ALERT_BUDGET_SCHEMA)]


def score_and_count(metrics: pd.DataFrame, labels: pd.DataFrame, ks: list[float], windows: list[int], gap_hours: float,
                    min_baseline_fraction: float, grain_minutes: int, min_history_hours: float,
                    params: paging.PagingParams, time_zone: str = robust.DEFAULTS.time_zone) -> pd.DataFrame:
    """service_counts of the scores of both methods at every window of the grid, from the bucketed metrics of
    one or more services (scored here: the daily grid search needs them, the hourly run does not)."""
    metrics = metrics[metrics["service_name"].isin(labels["service_name"])]
    scores = score_both(metrics, windows, min_baseline_fraction, grain_minutes, min_history_hours, time_zone=time_zone)
    return service_counts(scores, labels, ks, gap_hours, grain_minutes, params)


def alert_budget(metrics, labels, ks: list[float], windows: list[int], gap_hours: float, current_method: str, current_window: int,
                 current_k: float, grain_minutes: int = 60, params: paging.PagingParams = paging.DEFAULTS,
                 min_baseline_fraction: float = 0.5, min_history_hours: float = robust.DEFAULTS.min_history_hours,
                 time_zone: str = robust.DEFAULTS.time_zone):
    """The alert_budget rows from the bucketed metrics (int_metrics__hourly) and the labels (pandas, DuckDB or
    Spark: service by service)."""
    labels = as_pandas(labels)
    if is_spark(metrics):  # only the labelled services go to the workers
        metrics = metrics.where(metrics["service_name"].isin(sorted(set(labels["service_name"]))))
    elif callable(getattr(type(metrics), "order", None)):  # DuckDB: ordered in the engine, which spares a sort
        metrics = metrics.order("service_name, metric_name, observed_at")
    kernel = partial(score_and_count, labels=labels, ks=sorted(set(ks)), windows=sorted(set(int(w) for w in windows)),
                     gap_hours=gap_hours, min_baseline_fraction=min_baseline_fraction, grain_minutes=grain_minutes,
                     min_history_hours=min_history_hours, params=params, time_zone=time_zone)
    counts = as_pandas(by_group(metrics, ["service_name"], kernel, COUNTS_SCHEMA))
    return combine(counts, len(labels), current_method, current_window, current_k)
