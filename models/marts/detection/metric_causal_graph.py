"""Causal graph of each incident from lagged cross-correlations: one row per
edge cause -> effect with its lag in hours.

Window: the service's metrics on the hourly grid from incident_cluster_gap_hours
before the incident start to as much after its end. Every metric's best
correlation with the root cause over lags 0..causal_max_lag_hours (root
leading) places it in the graph when |r| >= causal_min_abs_correlation, at that
lag behind the root. Edges: a metric at lag 0 hangs off the root cause; a later
metric hangs off the metric(s) that moved last before it, a mediator preferred
over the root, then the best correlated at their lag difference. Lagged
correlations cannot tell A -> C from A -> B -> C when A and B move together;
the graph takes the chain.
Self-contained (no project imports): it must run where local modules cannot.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

HOUR = pd.Timedelta(hours=1)
OUTPUT_COLUMNS = [
    "incident_id", "service_name", "cause_metric", "effect_metric", "lag_hours", "correlation",
    "effect_lag_behind_root_hours", "cause_is_root",
]


def lagged_correlation(leader: pd.Series, follower: pd.Series, lag: int) -> float:
    """corr(leader[t], follower[t + lag]) over hours where both are observed (NaN = missing)."""
    return leader.corr(follower.shift(-lag)) if lag else leader.corr(follower)


def best_lag(leader: pd.Series, follower: pd.Series, max_lag: int) -> tuple[int, float]:
    """(lag, r) maximising |r| with lag in 0..max_lag; the smallest lag wins a tie."""
    correlations = np.array([lagged_correlation(leader, follower, lag) for lag in range(max_lag + 1)])
    if np.all(np.isnan(correlations)):
        return 0, np.nan
    lag = int(np.nanargmax(np.abs(correlations)))
    return lag, float(correlations[lag])


def incident_graph(grid: pd.DataFrame, root: str, max_lag: int, min_abs_r: float) -> list[dict]:
    """Edges of one incident; `grid` is hours x metrics (NaN where missing)."""
    nodes = []
    for metric in grid.columns:
        if metric == root:
            continue
        lag, r = best_lag(grid[root], grid[metric], max_lag)
        if not np.isnan(r) and abs(r) >= min_abs_r:
            nodes.append({"metric": metric, "lag": lag, "r_root": r})
    edges = []
    for node in nodes:
        if node["lag"] == 0:
            edges.append({"cause_metric": root, "lag_hours": 0, "correlation": node["r_root"], "cause_is_root": True, **_effect(node)})
            continue
        earlier = [n for n in nodes if n["lag"] < node["lag"]]
        latest_lag = max([n["lag"] for n in earlier], default=0)
        parents = [n for n in earlier if n["lag"] == latest_lag]
        if not parents:  # nothing moved between the root and this metric
            edges.append({"cause_metric": root, "lag_hours": node["lag"], "correlation": node["r_root"], "cause_is_root": True, **_effect(node)})
            continue
        gap = node["lag"] - latest_lag
        scored = [(abs(lagged_correlation(grid[p["metric"]], grid[node["metric"]], gap)), p) for p in parents]
        strength, parent = max(scored, key=lambda item: (np.nan_to_num(item[0]), -abs(item[1]["r_root"])))
        correlation = lagged_correlation(grid[parent["metric"]], grid[node["metric"]], gap)
        edges.append({"cause_metric": parent["metric"], "lag_hours": gap, "correlation": correlation, "cause_is_root": False, **_effect(node)})
    return edges


def _effect(node: dict) -> dict:
    return {"effect_metric": node["metric"], "effect_lag_behind_root_hours": node["lag"]}


def causal_graph(metrics: pd.DataFrame, incidents: pd.DataFrame, margin_hours: int, max_lag: int, min_abs_r: float) -> pd.DataFrame:
    """Edges of every incident. `metrics`: service_name, metric_name, observed_at, value."""
    metrics = metrics.assign(observed_at=pd.to_datetime(metrics["observed_at"]))
    edges = []
    for incident in incidents.itertuples():
        start = pd.Timestamp(incident.started_at) - margin_hours * HOUR
        end = pd.Timestamp(incident.ended_at) + margin_hours * HOUR
        window = metrics[(metrics["service_name"] == incident.service_name) & metrics["observed_at"].between(start, end)]
        grid = window.pivot(index="observed_at", columns="metric_name", values="value")
        grid = grid.reindex(pd.date_range(start, end, freq="h"))
        if incident.root_cause_metric not in grid.columns:
            continue
        for edge in incident_graph(grid, incident.root_cause_metric, max_lag, min_abs_r):
            edges.append({"incident_id": incident.incident_id, "service_name": incident.service_name, **edge})
    if not edges:
        types = {"incident_id": "int64", "lag_hours": "int64", "effect_lag_behind_root_hours": "int64", "cause_is_root": "bool",
                 "service_name": "string", "cause_metric": "string", "effect_metric": "string"}
        return pd.DataFrame({c: pd.Series(dtype=types.get(c, "float64")) for c in OUTPUT_COLUMNS})
    graph = pd.DataFrame(edges).sort_values(["incident_id", "effect_lag_behind_root_hours", "effect_metric"], ignore_index=True)
    return graph[OUTPUT_COLUMNS]


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
    result = causal_graph(
        as_pandas(dbt.ref("int_metrics__hourly")), as_pandas(dbt.ref("incidents")), int(parameters["incident_cluster_gap_hours"]),
        int(parameters["causal_max_lag_hours"]), float(parameters["causal_min_abs_correlation"]),
    )
    return to_warehouse_frame(result, session)
