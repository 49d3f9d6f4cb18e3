"""Incident localization, metric by metric: the package's
oncall_analytics.detection.methods (the notebook's clustering, or the
robust method's paging once per problem) and incidents (root-cause ranking)."""
from oncall_analytics.detection.incidents import INCIDENT_METRICS_SCHEMA
from oncall_analytics.detection.methods import incident_metrics
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import integer, method, number, paging_params


def model(dbt, session):
    dbt.config(materialized="table")
    paging = paging_params(  # dbt finds the keys a model reads in its code: each is named here
        dbt.config.get("anomaly_k"), dbt.config.get("incident_quiet_hours"), dbt.config.get("incident_join_gap_hours"),
        dbt.config.get("incident_join_min_abs_correlation"), dbt.config.get("incident_join_max_lag_hours"))
    result = incident_metrics(dbt.ref("metric_anomalies"), method(dbt.config.get("anomaly_method")),
                              number(dbt.config.get("incident_cluster_gap_hours")), integer(dbt.config.get("detection_grain_minutes")), paging)
    return to_warehouse_frame(result, session, INCIDENT_METRICS_SCHEMA)
