"""The anomaly decision of anomaly_method at anomaly_k on the scores at
anomaly_window_hours: the package's oncall_analytics.detection.methods."""
from oncall_analytics.detection.methods import metric_anomalies
from oncall_analytics.detection.rules import ANOMALIES_SCHEMA
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import integer, method, number, paging_params


def model(dbt, session):
    dbt.config(materialized="table")
    paging = paging_params(  # dbt finds the keys a model reads in its code: each is named here
        dbt.config.get("anomaly_k"), dbt.config.get("incident_quiet_hours"), dbt.config.get("incident_join_gap_hours"),
        dbt.config.get("incident_join_min_abs_correlation"), dbt.config.get("incident_join_max_lag_hours"))
    result = metric_anomalies(dbt.ref("int_metrics__anomaly_scores"), method(dbt.config.get("anomaly_method")),
                              integer(dbt.config.get("anomaly_window_hours")), number(dbt.config.get("anomaly_k")), paging)
    return to_warehouse_frame(result, session, ANOMALIES_SCHEMA)
