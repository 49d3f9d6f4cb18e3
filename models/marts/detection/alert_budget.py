"""Alert budget of every detector setting of the grid (method x window x k)
against the labelled incidents: the package's oncall_analytics.detection.alert_budget."""
from oncall_analytics.detection.alert_budget import ALERT_BUDGET_SCHEMA, alert_budget
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import integer, integer_list, method, number, number_list, paging_params, time_zone


def model(dbt, session):
    dbt.config(materialized="table")
    paging = paging_params(  # dbt finds the keys a model reads in its code: each is named here
        dbt.config.get("anomaly_k"), dbt.config.get("incident_quiet_hours"), dbt.config.get("incident_join_gap_hours"),
        dbt.config.get("incident_join_min_abs_correlation"), dbt.config.get("incident_join_max_lag_hours"))
    result = alert_budget(
        dbt.ref("int_metrics__hourly"), dbt.ref("stg_oncall__incident_labels"),
        ks=number_list(dbt.config.get("alert_budget_k_grid")), windows=integer_list(dbt.config.get("alert_budget_window_grid")),
        gap_hours=number(dbt.config.get("incident_cluster_gap_hours")), current_method=method(dbt.config.get("anomaly_method")),
        current_window=integer(dbt.config.get("anomaly_window_hours")), current_k=number(dbt.config.get("anomaly_k")),
        grain_minutes=integer(dbt.config.get("detection_grain_minutes")), params=paging,
        min_baseline_fraction=number(dbt.config.get("anomaly_min_baseline_fraction")),
        min_history_hours=number(dbt.config.get("min_history_hours")),
        time_zone=time_zone(dbt.config.get("seasonality_time_zone")),
    )
    return to_warehouse_frame(result, session, ALERT_BUDGET_SCHEMA)
