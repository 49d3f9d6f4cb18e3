"""Level shifts the anomaly flags miss: the package's
oncall_analytics.detection.level_shifts (the method's statistic, at the grain)."""
from oncall_analytics.detection.level_shifts import LEVEL_SHIFTS_SCHEMA, metric_level_shifts
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import integer, method, number


def model(dbt, session):
    dbt.config(materialized="table")
    result = metric_level_shifts(
        dbt.ref("metric_anomalies"), integer(dbt.config.get("level_shift_window_hours")), number(dbt.config.get("level_shift_threshold")),
        integer(dbt.config.get("detection_grain_minutes")), method(dbt.config.get("anomaly_method")),
    )
    return to_warehouse_frame(result, session, LEVEL_SHIFTS_SCHEMA)
