-- The detection vars of this run, validated and typed, as one row. The Python
-- models read their settings here: vars are checked once, by the project's
-- validating readers, and a bad value fails compilation naming the var.
{%- set window_grid = var_number_list('alert_budget_window_grid', 2, 8760, integer=true) %}
{%- set k_grid = var_number_list('alert_budget_k_grid', 0.1, 1000) %}

with parameters as (
    select
        {{ var_integer('anomaly_window_hours', 2, 8760) }} as anomaly_window_hours,
        cast({{ var_number('anomaly_k', 0.1, 1000) }} as double) as anomaly_k,
        cast({{ var_number('anomaly_min_baseline_fraction', 0, 1) }} as double) as anomaly_min_baseline_fraction,
        {{ var_integer('incident_cluster_gap_hours', 0, 8760) }} as incident_cluster_gap_hours,
        {{ var_integer('level_shift_window_hours', 1, 8760) }} as level_shift_window_hours,
        cast({{ var_number('level_shift_threshold', 0.1, 1000) }} as double) as level_shift_threshold,
        {{ var_integer('causal_max_lag_hours', 0, 720) }} as causal_max_lag_hours,
        cast({{ var_number('causal_min_abs_correlation', 0, 1) }} as double) as causal_min_abs_correlation,
        cast({{ var_number('srm_alpha', 0, 1) }} as double) as srm_alpha,
        cast({{ var_number('srm_min_expected_count', 0, 1000000) }} as double) as srm_min_expected_count,
        {{ sql_literal(k_grid | join(',')) }} as alert_budget_k_grid,
        {{ sql_literal(window_grid | join(',')) }} as alert_budget_window_grid
)

select * from parameters
