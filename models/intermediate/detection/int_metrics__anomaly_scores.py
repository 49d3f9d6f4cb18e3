"""Anomaly scores of every metric bucket by the method of `anomaly_method` at
`anomaly_window_hours` (what metric_anomalies reads; alert_budget scores the
other settings itself): the package's oncall_analytics.detection.methods."""
from oncall_analytics.detection.methods import SCORES_SCHEMA, score_metrics
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import integer, method, number, time_zone


def model(dbt, session):
    dbt.config(materialized="table")
    result = score_metrics(dbt.ref("int_metrics__hourly"), [integer(dbt.config.get("anomaly_window_hours"))],
                           number(dbt.config.get("anomaly_min_baseline_fraction")), integer(dbt.config.get("detection_grain_minutes")),
                           number(dbt.config.get("min_history_hours")), methods=[method(dbt.config.get("anomaly_method"))],
                           time_zone=time_zone(dbt.config.get("seasonality_time_zone")))
    return to_warehouse_frame(result, session, SCORES_SCHEMA)
