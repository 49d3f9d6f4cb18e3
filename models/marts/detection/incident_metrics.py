"""Incident localization, metric by metric: one row per incident and metric
that was anomalous in it, with its onset, its lag behind the incident start
and its rank as root-cause candidate.

Anomalies of a service whose consecutive flags are at most
incident_cluster_gap_hours apart form one incident (gap measured from the
previous flag of the service, any metric). The root cause is the metric whose
anomaly starts first; metrics that start in the same hour are ranked by the
evidence at onset (largest |z| first, then the largest |z| overall, then the
most flagged hours). The metric name only orders candidates whose evidence is
identical to the last bit, so the result is deterministic.
Self-contained (no project imports): it must run where local modules cannot.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

HOUR = pd.Timedelta(hours=1)
OUTPUT_COLUMNS = [
    "incident_id", "service_name", "metric_name", "onset_at", "onset_lag_hours", "last_flag_at",
    "onset_z_score", "peak_abs_z_score", "flagged_hours", "root_cause_rank", "is_root_cause",
]


def cluster_flags(flags: pd.DataFrame, gap_hours: float) -> pd.DataFrame:
    """Flags (service_name, metric_name, observed_at, z_score) with `incident_id`.

    Incident ids number the clusters 1..n by start time (then service name).
    """
    flags = flags.sort_values(["service_name", "observed_at", "metric_name"], ignore_index=True)
    gap = flags.groupby("service_name")["observed_at"].diff()
    starts_cluster = gap.isna() | (gap > gap_hours * HOUR)
    flags["cluster"] = starts_cluster.cumsum()
    cluster_start = flags.groupby("cluster")["observed_at"].transform("min")
    order = flags.assign(cluster_start=cluster_start).drop_duplicates("cluster").sort_values(["cluster_start", "service_name"])
    numbering = pd.Series(np.arange(1, len(order) + 1), index=order["cluster"].to_numpy())
    flags["incident_id"] = flags["cluster"].map(numbering).astype(np.int64)
    return flags.drop(columns="cluster")


def rank_metrics(clustered: pd.DataFrame) -> pd.DataFrame:
    """One row per incident and metric: onset, evidence and root-cause rank."""
    clustered = clustered.assign(abs_z=clustered["z_score"].abs())
    onset_rows = clustered.sort_values(["incident_id", "metric_name", "observed_at"]).drop_duplicates(["incident_id", "metric_name"])
    per_metric = clustered.groupby(["incident_id", "service_name", "metric_name"], as_index=False).agg(
        last_flag_at=("observed_at", "max"), peak_abs_z_score=("abs_z", "max"), flagged_hours=("observed_at", "size"),
    )
    per_metric = per_metric.merge(
        onset_rows[["incident_id", "metric_name", "observed_at", "z_score", "abs_z"]].rename(
            columns={"observed_at": "onset_at", "z_score": "onset_z_score", "abs_z": "onset_abs_z"}),
        on=["incident_id", "metric_name"],
    )
    per_metric = per_metric.sort_values(
        ["incident_id", "onset_at", "onset_abs_z", "peak_abs_z_score", "flagged_hours", "metric_name"],
        ascending=[True, True, False, False, False, True], ignore_index=True,
    )
    per_metric["root_cause_rank"] = per_metric.groupby("incident_id").cumcount() + 1
    per_metric["is_root_cause"] = per_metric["root_cause_rank"] == 1
    started_at = per_metric.groupby("incident_id")["onset_at"].transform("min")
    per_metric["onset_lag_hours"] = ((per_metric["onset_at"] - started_at) / HOUR).astype(np.int64)
    return per_metric


def localize(anomalies: pd.DataFrame, gap_hours: float) -> pd.DataFrame:
    """incident_metrics rows from metric_anomalies rows (only is_anomaly ones are used)."""
    flags = anomalies.loc[anomalies["is_anomaly"].astype(bool), ["service_name", "metric_name", "observed_at", "z_score"]]
    if flags.empty:
        types = {"incident_id": "int64", "onset_lag_hours": "int64", "flagged_hours": "int64", "root_cause_rank": "int64",
                 "is_root_cause": "bool", "onset_at": "datetime64[us]", "last_flag_at": "datetime64[us]",
                 "service_name": "string", "metric_name": "string"}
        return pd.DataFrame({c: pd.Series(dtype=types.get(c, "float64")) for c in OUTPUT_COLUMNS})
    flags = flags.assign(observed_at=pd.to_datetime(flags["observed_at"]))
    return rank_metrics(cluster_flags(flags, gap_hours))[OUTPUT_COLUMNS]


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
    result = localize(anomalies, float(parameters["incident_cluster_gap_hours"]))
    return to_warehouse_frame(result, session)
