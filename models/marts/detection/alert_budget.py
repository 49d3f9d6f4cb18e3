"""Alert budget of every detector setting of the grid against the labelled
incidents: the package's oncall_analytics.detection.alert_budget."""
from oncall_analytics.detection.alert_budget import ALERT_BUDGET_SCHEMA, alert_budget
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import integer, integer_list, number, number_list


def model(dbt, session):
    dbt.config(materialized="table")
    result = alert_budget(
        dbt.ref("int_metrics__anomaly_scores"), dbt.ref("stg_oncall__incident_labels"),
        ks=number_list(dbt.config.get("alert_budget_k_grid")), windows=integer_list(dbt.config.get("alert_budget_window_grid")),
        gap_hours=number(dbt.config.get("incident_cluster_gap_hours")),
        current_window=integer(dbt.config.get("anomaly_window_hours")), current_k=number(dbt.config.get("anomaly_k")),
    )
    return to_warehouse_frame(result, session, ALERT_BUDGET_SCHEMA)
