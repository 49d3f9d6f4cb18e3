"""Causal graph of each incident from lagged cross-correlations of the detector's deviations, at the
detection grain: the package's oncall_analytics.detection.causal_graph."""
from oncall_analytics.detection.causal_graph import EDGES_SCHEMA, metric_causal_graph
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import integer, number


def model(dbt, session):
    dbt.config(materialized="table")
    result = metric_causal_graph(
        dbt.ref("metric_anomalies"), dbt.ref("incidents"), integer(dbt.config.get("incident_cluster_gap_hours")),
        integer(dbt.config.get("causal_max_lag_hours")), number(dbt.config.get("causal_min_abs_correlation")),
        integer(dbt.config.get("detection_grain_minutes")),
    )
    return to_warehouse_frame(result, session, EDGES_SCHEMA)
