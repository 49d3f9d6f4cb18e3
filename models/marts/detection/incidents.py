"""Incidents: one row per cluster of anomalies of a service, with its root
cause and the metrics involved (onset lag behind the start, |z| at onset).
The clustering and ranking are done in incident_metrics; this model rolls
them up. Self-contained (no project imports).
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

HOUR = pd.Timedelta(hours=1)
OUTPUT_COLUMNS = [
    "incident_id", "service_name", "started_at", "ended_at", "root_cause_metric", "duration_hours",
    "root_cause_onset_z_score", "metric_count", "flag_count", "peak_abs_z_score", "involved_metrics",
    "involved_metrics_json",
]


def _describe(metric_rows: pd.DataFrame) -> tuple[str, str]:
    """Readable and JSON lists of one incident's metrics, in root-cause rank order."""
    ordered = metric_rows.sort_values("root_cause_rank")
    text = "; ".join(
        f"{r.metric_name} (+{r.onset_lag_hours} h, z {r.onset_z_score:+.1f})" for r in ordered.itertuples()
    )
    payload = [
        {"metric_name": r.metric_name, "onset_at": r.onset_at.strftime("%Y-%m-%d %H:%M:%S"),
         "onset_lag_hours": int(r.onset_lag_hours), "onset_z_score": round(float(r.onset_z_score), 3),
         "flagged_hours": int(r.flagged_hours)}
        for r in ordered.itertuples()
    ]
    return text, json.dumps(payload)


def summarize(incident_metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per incident from incident_metrics rows."""
    if incident_metrics.empty:
        types = {"incident_id": "int64", "started_at": "datetime64[us]", "ended_at": "datetime64[us]",
                 "duration_hours": "int64", "metric_count": "int64", "flag_count": "int64", "service_name": "string",
                 "root_cause_metric": "string", "involved_metrics": "string", "involved_metrics_json": "string"}
        return pd.DataFrame({c: pd.Series(dtype=types.get(c, "float64")) for c in OUTPUT_COLUMNS})
    rows = incident_metrics.assign(onset_at=pd.to_datetime(incident_metrics["onset_at"]),
                                   last_flag_at=pd.to_datetime(incident_metrics["last_flag_at"]))
    incidents = rows.groupby(["incident_id", "service_name"], as_index=False).agg(
        started_at=("onset_at", "min"), ended_at=("last_flag_at", "max"), metric_count=("metric_name", "size"),
        flag_count=("flagged_hours", "sum"), peak_abs_z_score=("peak_abs_z_score", "max"),
    )
    roots = rows[rows["root_cause_rank"] == 1][["incident_id", "metric_name", "onset_z_score"]].rename(
        columns={"metric_name": "root_cause_metric", "onset_z_score": "root_cause_onset_z_score"})
    incidents = incidents.merge(roots, on="incident_id")
    incidents["duration_hours"] = ((incidents["ended_at"] - incidents["started_at"]) / HOUR).astype(np.int64) + 1
    descriptions = {incident_id: _describe(group) for incident_id, group in rows.groupby("incident_id")}
    incidents["involved_metrics"] = incidents["incident_id"].map(lambda i: descriptions[i][0])
    incidents["involved_metrics_json"] = incidents["incident_id"].map(lambda i: descriptions[i][1])
    return incidents.sort_values("incident_id", ignore_index=True)[OUTPUT_COLUMNS]


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
    result = summarize(as_pandas(dbt.ref("incident_metrics")))
    return to_warehouse_frame(result, session)
