"""Causal graph of each incident (the model metric_causal_graph) from lagged cross-correlations: one row per
edge cause -> effect with its lag in hours.

Series: each metric's deviation from the detector's expected value (metric_anomalies: value - baseline_mean,
missing where the bucket is not scored), at the detection grain. Raw values would let a daily cycle make an
edge: two cycles in anti-phase correlate at +-12 h whatever the incident does (operator trial). The robust
method's expected value follows the daily (and weekly) profile, so its deviations carry no cycle; the
notebook's is a trailing mean, whose deviations keep part of a cycle.

Window: from incident_cluster_gap_hours before the incident start to as much after its end, in buckets of
the grain. Every metric's best correlation with the root cause over lags 0..causal_max_lag_hours (root
leading, in buckets) places it in the graph when |r| >= causal_min_abs_correlation, at that lag behind the
root. A lag counts only when its pairs (root at t, metric at t + lag) include a bucket of the incident with
both observed: an edge rests on the incident, never on the hours around it alone, and no effect is placed
past the end of the data (an incident still running). Edges: a metric at lag 0 hangs off the root cause; a
later metric hangs off the metric(s) that moved last before it, a mediator preferred over the root, then the
best correlated at their lag difference. Lagged correlations cannot tell A -> C from A -> B -> C when A and B
move together; the graph takes the chain. Lags are reported in hours (fractions under an hour's grain). An
edge at lag 0 (is_simultaneous) is undirected: the two moved in the same bucket, which the data cannot order;
its cause is the root cause, picked by the localization's evidence, not by time.

Per service: on Spark the detector's rows of the services with an incident are grouped by service
(groupBy(service_name).applyInPandas); the incidents, one row each, are read whole.
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
    "lag_hours": "double", "correlation": "double", "effect_lag_behind_root_hours": "double", "cause_is_root": "boolean",
    "is_simultaneous": "boolean",
}


def lagged_correlation(leader: pd.Series, follower: pd.Series, lag: int) -> float:
    """corr(leader[t], follower[t + lag]) over buckets where both are observed (NaN = missing)."""
    return leader.corr(follower.shift(-lag)) if lag else leader.corr(follower)


def pairs_in(anchor: pd.Series, leader: pd.Series, follower: pd.Series, lag: int) -> bool:
    """Some pair (leader[t], follower[t + lag]) with t in `anchor` (the incident's buckets) has both observed."""
    return bool((anchor.to_numpy() & leader.notna().to_numpy() & follower.shift(-lag).notna().to_numpy()).any())


def best_lag(leader: pd.Series, follower: pd.Series, max_lag: int, anchor: pd.Series | None = None) -> tuple[int, float]:
    """(lag, r) maximising |r| with lag in 0..max_lag; the smallest lag wins a tie. With `anchor`, only the
    lags whose pairs include an anchored bucket count."""
    correlations = np.array([
        lagged_correlation(leader, follower, lag) if anchor is None or pairs_in(anchor, leader, follower, lag) else np.nan
        for lag in range(max_lag + 1)])
    if np.all(np.isnan(correlations)):
        return 0, np.nan
    lag = int(np.nanargmax(np.abs(correlations)))
    return lag, float(correlations[lag])


def incident_graph(grid: pd.DataFrame, root: str, max_lag: int, min_abs_r: float, anchor: pd.Series | None = None) -> list[dict]:
    """Edges of one incident, lags in buckets; `grid` is buckets x metrics (NaN where missing), `anchor` marks
    the incident's buckets."""
    nodes = []
    for metric in grid.columns:
        if metric == root:
            continue
        lag, r = best_lag(grid[root], grid[metric], max_lag, anchor)
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


def deviations(anomalies: pd.DataFrame) -> pd.DataFrame:
    """metric_anomalies rows as (service_name, metric_name, observed_at, deviation): value - baseline_mean,
    missing where the bucket is not scored (no expected value to compare with)."""
    scored = anomalies["is_scored"].astype(bool)
    deviation = (anomalies["value"] - anomalies["baseline_mean"]).where(scored)
    return anomalies[["service_name", "metric_name"]].assign(observed_at=pd.to_datetime(anomalies["observed_at"]), deviation=deviation)


def causal_graph(anomalies: pd.DataFrame, incidents: pd.DataFrame, margin_hours: int, max_lag_hours: int, min_abs_r: float,
                 grain_minutes: int = 60) -> pd.DataFrame:
    """Edges of every incident of a service in `anomalies` (metric_anomalies rows, at the detection grain)."""
    grain = pd.Timedelta(minutes=grain_minutes)
    bucket_hours = grain_minutes / 60.0
    max_lag = int(max_lag_hours * 60 // grain_minutes)
    series = deviations(anomalies)
    edges = []
    for incident in incidents[incidents["service_name"].isin(series["service_name"])].itertuples():
        started_at, ended_at = pd.Timestamp(incident.started_at), pd.Timestamp(incident.ended_at)
        start, end = started_at - margin_hours * HOUR, ended_at + margin_hours * HOUR
        window = series[(series["service_name"] == incident.service_name) & series["observed_at"].between(start, end)]
        grid = window.pivot_table(index="observed_at", columns="metric_name", values="deviation", aggfunc="mean")
        grid = grid.reindex(pd.date_range(start, end, freq=grain))
        if incident.root_cause_metric not in grid.columns:
            continue
        anchor = pd.Series((grid.index >= started_at) & (grid.index <= ended_at), index=grid.index)
        for edge in incident_graph(grid, incident.root_cause_metric, max_lag, min_abs_r, anchor):
            edges.append({"incident_id": incident.incident_id, "service_name": incident.service_name, **edge,
                          "lag_hours": edge["lag_hours"] * bucket_hours,
                          "effect_lag_behind_root_hours": edge["effect_lag_behind_root_hours"] * bucket_hours,
                          # the same bucket: the data cannot order the two, the edge is undirected
                          "is_simultaneous": edge["lag_hours"] == 0})
    if not edges:
        return empty(EDGES_SCHEMA)
    graph = pd.DataFrame(edges).sort_values(["incident_id", "effect_lag_behind_root_hours", "effect_metric"], ignore_index=True)
    return graph[list(EDGES_SCHEMA)]


def metric_causal_graph(anomalies, incidents, margin_hours: int, max_lag_hours: int, min_abs_r: float, grain_minutes: int = 60):
    """The metric_causal_graph rows from metric_anomalies and incidents (pandas, DuckDB or Spark: service by service)."""
    incidents = as_pandas(incidents)
    if is_spark(anomalies):  # only the services with an incident go to the workers, with the columns the graph reads
        anomalies = anomalies.where(anomalies["service_name"].isin(sorted(set(incidents["service_name"])))).select(
            "service_name", "metric_name", "observed_at", "value", "baseline_mean", "is_scored")
    kernel = partial(causal_graph, incidents=incidents, margin_hours=margin_hours, max_lag_hours=max_lag_hours, min_abs_r=min_abs_r,
                     grain_minutes=grain_minutes)
    return by_group(anomalies, ["service_name"], kernel, EDGES_SCHEMA)
