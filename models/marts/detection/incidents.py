"""One row per incident, rolled up from incident_metrics: the package's
oncall_analytics.detection.incidents."""
from oncall_analytics.detection.incidents import INCIDENTS_SCHEMA, incidents
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import integer


def model(dbt, session):
    dbt.config(materialized="table")
    result = incidents(dbt.ref("incident_metrics"), integer(dbt.config.get("detection_grain_minutes")))
    return to_warehouse_frame(result, session, INCIDENTS_SCHEMA)
