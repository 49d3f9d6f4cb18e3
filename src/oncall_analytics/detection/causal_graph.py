"""Causal graph of each incident (the model metric_causal_graph) from lagged cross-correlations: one row per
edge cause -> effect with its lag in hours.

Window: the service's metrics on the hourly grid (buckets of a finer grain averaged
per hour) from incident_cluster_gap_hours
before the incident start to as much after its end. Every metric's best
correlation with the root cause over lags 0..causal_max_lag_hours (root
leading) places it in the graph when |r| >= causal_min_abs_correlation, at that
lag behind the root. Edges: a metric at lag 0 hangs off the root cause; a later
metric hangs off the metric(s) that moved last before it, a mediator preferred
over the root, then the best correlated at their lag difference. Lagged
correlations cannot tell A -> C from A -> B -> C when A and B move together;
the graph takes the chain.

Per service: on Spark the hourly metrics of the services with an incident
are grouped by service (groupBy(service_name).applyInPandas); the incidents,
one row each, are read whole.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from oncall_analytics.drivers import by_group
from oncall_analytics.frames import as_pandas, empty, is_spark

HOUR = pd.Timedelta(hours=1)
# metric_causal_graph, as its YAML declares it
EDGES_SCHEMA = {
    "incident_id": "bigint", "service_name": "varchar", "cause_metric": "varchar", "effect_metric": "varchar",
    "lag_hours": "bigint", "correlation": "double", "effect_lag_behind_root_hours": "bigint", "cause_is_root": "boolean",
}


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
    """Edges of every incident of a service in `metrics` (service_name, metric_name, observed_at, value)."""
    metrics = metrics.assign(observed_at=pd.to_datetime(metrics["observed_at"]))
    edges = []
    for incident in incidents[incidents["service_name"].isin(metrics["service_name"])].itertuples():
        start = pd.Timestamp(incident.started_at) - margin_hours * HOUR
        end = pd.Timestamp(incident.ended_at) + margin_hours * HOUR
        window = metrics[(metrics["service_name"] == incident.service_name) & metrics["observed_at"].between(start, end)]
        # lags are hours: at a grain under an hour the buckets are averaged per hour first (a no-op at 60 minutes)
        window = window.assign(observed_at=window["observed_at"].dt.floor("h"))
        grid = window.pivot_table(index="observed_at", columns="metric_name", values="value", aggfunc="mean")
        grid = grid.reindex(pd.date_range(start, end, freq="h"))
        if incident.root_cause_metric not in grid.columns:
            continue
        for edge in incident_graph(grid, incident.root_cause_metric, max_lag, min_abs_r):
            edges.append({"incident_id": incident.incident_id, "service_name": incident.service_name, **edge})
    if not edges:
        return empty(EDGES_SCHEMA)
    graph = pd.DataFrame(edges).sort_values(["incident_id", "effect_lag_behind_root_hours", "effect_metric"], ignore_index=True)
    return graph[list(EDGES_SCHEMA)]


def metric_causal_graph(hourly, incidents, margin_hours: int, max_lag: int, min_abs_r: float):
    """The metric_causal_graph rows from int_metrics__hourly and incidents (pandas, DuckDB or Spark: service by service)."""
    incidents = as_pandas(incidents)
    if is_spark(hourly):  # only the services with an incident go to the workers
        hourly = hourly.where(hourly["service_name"].isin(sorted(set(incidents["service_name"]))))
    kernel = partial(causal_graph, incidents=incidents, margin_hours=margin_hours, max_lag=max_lag, min_abs_r=min_abs_r)
    return by_group(hourly, ["service_name"], kernel, EDGES_SCHEMA)
