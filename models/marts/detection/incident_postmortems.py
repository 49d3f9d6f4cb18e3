"""Postmortem drafts: one row per incident with impact, detection, root
cause, fix and prevention drafted from the data (which metrics moved and by
how much, which led, when the first alert fired, which silent shifts
followed). Drafts for the on-call engineer to edit, not verdicts.
Self-contained (no project imports): it must run where local modules cannot.
"""
from __future__ import annotations

import pandas as pd

HOUR = pd.Timedelta(hours=1)
OUTPUT_COLUMNS = [
    "incident_id", "service_name", "started_at", "ended_at", "root_cause_metric", "impact", "detection",
    "root_cause", "fix", "prevention",
]


def _when(ts) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M")


def _change(before: float, after: float) -> str:
    relative = f" ({(after - before) / abs(before):+.0%})" if before else ""
    return f"{before:.4g} -> {after:.4g}{relative}"


def metric_moves(incident, metrics: pd.DataFrame, anomalies: pd.DataFrame) -> list[str]:
    """'metric baseline -> worst value (+x%)' for each anomalous metric, in root-cause order."""
    moves = []
    for row in metrics.sort_values("root_cause_rank").itertuples():
        flagged = anomalies[(anomalies["metric_name"] == row.metric_name)
                            & anomalies["observed_at"].between(row.onset_at, row.last_flag_at) & anomalies["is_anomaly"]]
        worst = flagged.loc[flagged["z_score"].abs().idxmax()]
        moves.append(f"{row.metric_name} {_change(worst['baseline_mean'], worst['value'])}")
    return moves


def draft(incident, metrics: pd.DataFrame, anomalies: pd.DataFrame, shifts: pd.DataFrame, edges: pd.DataFrame) -> dict:
    root = incident.root_cause_metric
    symptoms = [m for m in metrics.sort_values("root_cause_rank")["metric_name"] if m != root]
    silent = shifts[shifts["is_silent"] & ~shifts["metric_name"].isin(metrics["metric_name"])]
    impact = (f"{incident.service_name}: {', '.join(metric_moves(incident, metrics, anomalies))} "
              f"(anomalous for {incident.duration_hours} h, {_when(incident.started_at)} to {_when(incident.ended_at)})")
    if len(silent):
        impact += "; then, without an alert, " + ", ".join(
            f"{s.metric_name} shifted {_change(s.before_mean, s.after_mean)} from {_when(s.span_started_at)}" for s in silent.itertuples())
    onset_z = metrics.loc[metrics["is_root_cause"], "onset_z_score"].iloc[0]
    detection = f"The z-score alert fired at {_when(incident.started_at)} on {root} (z {onset_z:+.1f}), in the first hour of the incident"
    if len(silent):
        detection += "; " + "; ".join(
            f"{s.metric_name} never crossed the z threshold, the level-shift detector caught it at {_when(s.detected_at)} "
            f"({(s.detected_at - incident.started_at) / HOUR:.0f} h after the start)" for s in silent.itertuples())
    chain = "; ".join(f"{e.cause_metric} -> {e.effect_metric} (+{e.lag_hours} h, r {e.correlation:+.2f})" for e in edges.itertuples())
    root_cause = f"{root} moved first" + (f", with {', '.join(symptoms)} following" if symptoms else "")
    root_cause += f". Lagged correlations: {chain}." if chain else "."
    fix = (f"Find what changed for {root} around {_when(incident.started_at)} (deploy, config, upstream data) and revert or "
           f"repair it; confirm {root}{' and ' + ', '.join(symptoms) if symptoms else ''} return to their baselines.")
    prevention = f"Keep a direct alert on {root} (it paged in the first hour)"
    if symptoms:
        prevention += f"; gate rollouts on {', '.join(symptoms)}"
    if len(silent):
        prevention += f"; add level-shift alerts on {', '.join(silent['metric_name'])}, which moved silently"
    prevention += "."
    return {"impact": impact, "detection": detection, "root_cause": root_cause, "fix": fix, "prevention": prevention}


def postmortems(incidents: pd.DataFrame, incident_metrics: pd.DataFrame, anomalies: pd.DataFrame,
                shifts: pd.DataFrame, edges: pd.DataFrame, horizon_hours: float) -> pd.DataFrame:
    """One draft per incident. Level shifts count for an incident when detected
    between its start and `horizon_hours` after its end, on the same service."""
    for frame, columns in ((incidents, ["started_at", "ended_at"]), (incident_metrics, ["onset_at", "last_flag_at"]),
                           (anomalies, ["observed_at"]), (shifts, ["detected_at", "span_started_at"])):
        for column in columns:
            frame[column] = pd.to_datetime(frame[column])
    rows = []
    for incident in incidents.itertuples():
        window_end = incident.ended_at + horizon_hours * HOUR
        in_incident = shifts[(shifts["service_name"] == incident.service_name)
                             & shifts["detected_at"].between(incident.started_at, window_end)]
        rows.append({
            "incident_id": incident.incident_id, "service_name": incident.service_name, "started_at": incident.started_at,
            "ended_at": incident.ended_at, "root_cause_metric": incident.root_cause_metric,
            **draft(incident, incident_metrics[incident_metrics["incident_id"] == incident.incident_id],
                    anomalies[anomalies["service_name"] == incident.service_name], in_incident,
                    edges[edges["incident_id"] == incident.incident_id]),
        })
    if not rows:  # typed, so the empty table keeps text and timestamp columns
        types = {"incident_id": "int64", "started_at": "datetime64[us]", "ended_at": "datetime64[us]"}
        return pd.DataFrame({c: pd.Series(dtype=types.get(c, "string")) for c in OUTPUT_COLUMNS})
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


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
    result = postmortems(
        as_pandas(dbt.ref("incidents")), as_pandas(dbt.ref("incident_metrics")), as_pandas(dbt.ref("metric_anomalies")),
        as_pandas(dbt.ref("metric_level_shifts")), as_pandas(dbt.ref("metric_causal_graph")),
        float(parameters["incident_cluster_gap_hours"]),
    )
    return to_warehouse_frame(result, session)
