"""Anomaly scores of every metric bucket, for both detection methods
(notebook, robust) and each baseline window the project uses: the package's
oncall_analytics.detection.methods."""
from oncall_analytics.detection.methods import SCORES_SCHEMA, score_metrics
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import integer, integer_list, number


def model(dbt, session):
    dbt.config(materialized="table")
    windows = [integer(dbt.config.get("anomaly_window_hours")), *integer_list(dbt.config.get("alert_budget_window_grid"))]
    result = score_metrics(dbt.ref("int_metrics__hourly"), windows, number(dbt.config.get("anomaly_min_baseline_fraction")),
                           integer(dbt.config.get("detection_grain_minutes")), number(dbt.config.get("min_history_hours")))
    return to_warehouse_frame(result, session, SCORES_SCHEMA)
