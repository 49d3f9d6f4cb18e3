"""One row per incident, rolled up from incident_metrics: the package's
oncall_analytics.detection.incidents."""
from oncall_analytics.detection.incidents import INCIDENTS_SCHEMA, incidents
from oncall_analytics.frames import to_warehouse_frame


def model(dbt, session):
    dbt.config(materialized="table")
    return to_warehouse_frame(incidents(dbt.ref("incident_metrics")), session, INCIDENTS_SCHEMA)
