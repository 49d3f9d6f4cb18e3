"""Incident localization, metric by metric: the package's
oncall_analytics.detection.incidents (clustering and root-cause ranking)."""
from oncall_analytics.detection.incidents import INCIDENT_METRICS_SCHEMA, incident_metrics
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import number


def model(dbt, session):
    dbt.config(materialized="table")
    result = incident_metrics(dbt.ref("metric_anomalies"), number(dbt.config.get("incident_cluster_gap_hours")))
    return to_warehouse_frame(result, session, INCIDENT_METRICS_SCHEMA)
