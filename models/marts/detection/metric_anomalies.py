"""The anomaly decision at anomaly_k on the scores at anomaly_window_hours:
the package's oncall_analytics.detection.rules."""
from oncall_analytics.detection.rules import ANOMALIES_SCHEMA, metric_anomalies
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import integer, number


def model(dbt, session):
    dbt.config(materialized="table")
    window_hours = integer(dbt.config.get("anomaly_window_hours"))
    result = metric_anomalies(dbt.ref("int_metrics__anomaly_scores"), window_hours, number(dbt.config.get("anomaly_k")))
    return to_warehouse_frame(result, session, ANOMALIES_SCHEMA)
