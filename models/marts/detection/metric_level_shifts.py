"""Level shifts the z-score detector misses: the package's
oncall_analytics.detection.level_shifts."""
from oncall_analytics.detection.level_shifts import LEVEL_SHIFTS_SCHEMA, metric_level_shifts
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import integer, number


def model(dbt, session):
    dbt.config(materialized="table")
    span_hours = integer(dbt.config.get("level_shift_window_hours"))
    result = metric_level_shifts(dbt.ref("metric_anomalies"), span_hours, number(dbt.config.get("level_shift_threshold")))
    return to_warehouse_frame(result, session, LEVEL_SHIFTS_SCHEMA)
