"""Postmortem drafts, one per incident: the package's
oncall_analytics.detection.postmortems."""
from oncall_analytics.detection.postmortems import POSTMORTEMS_SCHEMA, incident_postmortems
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import number


def model(dbt, session):
    dbt.config(materialized="table")
    result = incident_postmortems(
        dbt.ref("incidents"), dbt.ref("incident_metrics"), dbt.ref("metric_anomalies"), dbt.ref("metric_level_shifts"),
        dbt.ref("metric_causal_graph"), horizon_hours=number(dbt.config.get("incident_cluster_gap_hours")),
    )
    return to_warehouse_frame(result, session, POSTMORTEMS_SCHEMA)
