"""Incidents: clustering of a service's anomalies and root-cause
localization (the models incident_metrics and incidents).

Anomalies of a service whose consecutive flags are at most
incident_cluster_gap_hours apart form one incident (gap measured from the
previous flag of the service, any metric). The root cause is the metric whose
anomaly starts first; metrics that start in the same hour are ranked by the
evidence at onset (largest |z| first, then the largest |z| overall, then the
most flagged hours). The metric name only orders candidates whose evidence is
identical to the last bit, so the result is deterministic. Incidents are
numbered 1..n by start time, then service name.

The clustering is per service: on Spark it runs service by service
(groupBy(service_name).applyInPandas), and the numbering, which orders the
incidents of every service, runs last over the (small) result.
"""
from __future__ import annotations

import json
from functools import partial

import numpy as np
import pandas as pd

from oncall_analytics.drivers import by_group, where
from oncall_analytics.frames import as_pandas, conform, empty

HOUR = pd.Timedelta(hours=1)
# incident_metrics and incidents, as their YAML declares them
INCIDENT_METRICS_SCHEMA = {
    "incident_id": "bigint", "service_name": "varchar", "metric_name": "varchar", "onset_at": "timestamp",
    "onset_lag_hours": "double", "last_flag_at": "timestamp", "onset_z_score": "double", "peak_abs_z_score": "double",
    "flagged_points": "bigint", "flagged_hours": "double", "joined_by": "varchar", "join_correlation": "double",
    "join_lag_minutes": "double", "root_cause_rank": "bigint", "is_root_cause": "boolean",
}
INCIDENTS_SCHEMA = {
    "incident_id": "bigint", "service_name": "varchar", "started_at": "timestamp", "ended_at": "timestamp",
    "root_cause_metric": "varchar", "duration_hours": "double", "root_cause_onset_z_score": "double",
    "metric_count": "bigint", "flag_count": "bigint", "peak_abs_z_score": "double", "involved_metrics": "varchar",
    "involved_metrics_json": "varchar",
}


def cluster_flags(flags: pd.DataFrame, gap_hours: float) -> pd.DataFrame:
    """Flags (service_name, observed_at[, metric_name, ...]) sorted by service and
    hour, with `cluster`: 1, 2, ... a new one where a service's flags are more
    than `gap_hours` apart (also alert_budget's pages)."""
    order = ["service_name", "observed_at", *(["metric_name"] if "metric_name" in flags.columns else [])]
    flags = flags.sort_values(order, ignore_index=True)
    gap = flags.groupby("service_name")["observed_at"].diff()
    return flags.assign(cluster=(gap.isna() | (gap > gap_hours * HOUR)).cumsum())


def rank_metrics(clustered: pd.DataFrame, grain_minutes: int = 60) -> pd.DataFrame:
    """One row per cluster and metric: onset, evidence and root-cause rank (incident_id = the cluster)."""
    clustered = clustered.rename(columns={"cluster": "incident_id"})
    clustered = clustered.assign(abs_z=clustered["z_score"].abs())
    onset_rows = clustered.sort_values(["incident_id", "metric_name", "observed_at"]).drop_duplicates(["incident_id", "metric_name"])
    per_metric = clustered.groupby(["incident_id", "service_name", "metric_name"], as_index=False).agg(
        last_flag_at=("observed_at", "max"), peak_abs_z_score=("abs_z", "max"), flagged_points=("observed_at", "size"),
    )
    per_metric = per_metric.merge(
        onset_rows[["incident_id", "metric_name", "observed_at", "z_score", "abs_z"]].rename(
            columns={"observed_at": "onset_at", "z_score": "onset_z_score", "abs_z": "onset_abs_z"}),
        on=["incident_id", "metric_name"],
    )
    per_metric = per_metric.sort_values(
        ["incident_id", "onset_at", "onset_abs_z", "peak_abs_z_score", "flagged_points", "metric_name"],
        ascending=[True, True, False, False, False, True], ignore_index=True,
    )
    per_metric["root_cause_rank"] = per_metric.groupby("incident_id").cumcount() + 1
    per_metric["is_root_cause"] = per_metric["root_cause_rank"] == 1
    started_at = per_metric.groupby("incident_id")["onset_at"].transform("min")
    per_metric["onset_lag_hours"] = (per_metric["onset_at"] - started_at) / HOUR
    per_metric["flagged_hours"] = per_metric["flagged_points"] * (grain_minutes / 60.0)
    # the notebook's rule joins by the cluster gap only: no correlation evidence
    per_metric["joined_by"] = np.where(per_metric["is_root_cause"], "root", "cluster_gap")
    per_metric["join_correlation"] = np.nan
    per_metric["join_lag_minutes"] = np.nan
    return per_metric


def number_incidents(metrics: pd.DataFrame) -> pd.DataFrame:
    """incident_metrics rows renumbered 1..n by incident start, then service name.

    An incident is (service_name, incident_id) here, so results computed
    service by service (each numbered from 1) can be numbered together."""
    if metrics.empty:
        return conform(metrics, INCIDENT_METRICS_SCHEMA)
    key = ["service_name", "incident_id"]
    starts = metrics.groupby(key, as_index=False)["onset_at"].min().sort_values(["onset_at", "service_name"], ignore_index=True)
    starts["number"] = np.arange(1, len(starts) + 1, dtype=np.int64)
    numbered = metrics.merge(starts[[*key, "number"]], on=key).drop(columns="incident_id").rename(columns={"number": "incident_id"})
    return numbered.sort_values(["incident_id", "root_cause_rank"], ignore_index=True)[list(INCIDENT_METRICS_SCHEMA)]


def localize(anomalies: pd.DataFrame, gap_hours: float, grain_minutes: int = 60) -> pd.DataFrame:
    """incident_metrics rows from metric_anomalies rows (only is_anomaly ones are used)."""
    flags = anomalies.loc[anomalies["is_anomaly"].astype(bool), ["service_name", "metric_name", "observed_at", "z_score"]]
    if flags.empty:
        return empty(INCIDENT_METRICS_SCHEMA)
    flags = flags.assign(observed_at=pd.to_datetime(flags["observed_at"]))
    return number_incidents(rank_metrics(cluster_flags(flags, gap_hours), grain_minutes))


def incident_metrics(anomalies, gap_hours: float):
    """The incident_metrics rows from metric_anomalies (pandas, DuckDB or Spark): per service, then numbered."""
    per_service = by_group(where(anomalies, "is_anomaly"), ["service_name"], partial(localize, gap_hours=gap_hours),
                           INCIDENT_METRICS_SCHEMA)
    return number_incidents(as_pandas(per_service))


def _describe(metric_rows: pd.DataFrame) -> tuple[str, str]:
    """Readable and JSON lists of one incident's metrics, in root-cause rank order."""
    ordered = metric_rows.sort_values("root_cause_rank")
    text = "; ".join(
        f"{r.metric_name} (+{r.onset_lag_hours:g} h, z {r.onset_z_score:+.1f})" for r in ordered.itertuples()
    )
    payload = [
        {"metric_name": r.metric_name, "onset_at": r.onset_at.strftime("%Y-%m-%d %H:%M:%S"),
         "onset_lag_hours": float(r.onset_lag_hours), "onset_z_score": round(float(r.onset_z_score), 3),
         "flagged_hours": float(r.flagged_hours)}
        for r in ordered.itertuples()
    ]
    return text, json.dumps(payload)


def summarize(incident_metrics: pd.DataFrame, grain_minutes: int = 60) -> pd.DataFrame:
    """One incidents row per incident from incident_metrics rows; an incident lasts from the start of its
    first flagged bucket to the end of its last one."""
    if incident_metrics.empty:
        return empty(INCIDENTS_SCHEMA)
    rows = incident_metrics.assign(onset_at=pd.to_datetime(incident_metrics["onset_at"]),
                                   last_flag_at=pd.to_datetime(incident_metrics["last_flag_at"]))
    incidents = rows.groupby(["incident_id", "service_name"], as_index=False).agg(
        started_at=("onset_at", "min"), ended_at=("last_flag_at", "max"), metric_count=("metric_name", "size"),
        flag_count=("flagged_points", "sum"), peak_abs_z_score=("peak_abs_z_score", "max"),
    )
    roots = rows[rows["root_cause_rank"] == 1][["incident_id", "metric_name", "onset_z_score"]].rename(
        columns={"metric_name": "root_cause_metric", "onset_z_score": "root_cause_onset_z_score"})
    incidents = incidents.merge(roots, on="incident_id")
    incidents["duration_hours"] = (incidents["ended_at"] - incidents["started_at"]) / HOUR + grain_minutes / 60.0
    descriptions = {incident_id: _describe(group) for incident_id, group in rows.groupby("incident_id")}
    incidents["involved_metrics"] = incidents["incident_id"].map(lambda i: descriptions[i][0])
    incidents["involved_metrics_json"] = incidents["incident_id"].map(lambda i: descriptions[i][1])
    return incidents.sort_values("incident_id", ignore_index=True)[list(INCIDENTS_SCHEMA)]


def incidents(incident_metrics, grain_minutes: int = 60):
    """The incidents rows from incident_metrics (pandas, DuckDB or Spark: service by service)."""
    return by_group(incident_metrics, ["service_name"], partial(summarize, grain_minutes=grain_minutes), INCIDENTS_SCHEMA)
