{#-
  Every var the project declares (the keys of `vars:` in dbt_project.yml, in
  its order; python_checks/test_hostile_vars.py fails when the two differ),
  and the check that a var given on the command line is one of them: dbt
  itself takes any name, so a misspelled var (`anomaly_kk: 3`) would leave
  the default in place without a word. Part of the on-run-start hook.
-#}
{% macro declared_vars() -%}
    {{ return([
        'canary_function_name', 'canary_window_start', 'canary_window_end', 'canary_min_invocations',
        'canary_max_error_rate_increase_pct', 'canary_max_p95_duration_ratio', 'canary_confidence_pct', 'chain_max_gap_us',
        'burst_min_invocations', 'burst_confidence_pct', 'log_source', 'logs_path', 'logs_path_glob',
        'incremental_lookback_hours', 'accepted_time_floor', 'accepted_time_max_hours_ahead',
        'quarantine_share_warn_pct', 'quarantine_share_error_pct', 'anomaly_method',
        'detection_grain_minutes', 'bucket_complete_within_seconds', 'zero_fill_max_hours', 'anomaly_window_hours', 'anomaly_k', 'anomaly_min_baseline_fraction',
        'min_history_hours', 'seasonality_time_zone', 'incident_cluster_gap_hours', 'incident_quiet_hours',
        'incident_join_gap_hours', 'incident_join_min_abs_correlation', 'incident_join_max_lag_hours',
        'metric_stale_after_intervals', 'level_shift_window_hours', 'level_shift_threshold', 'causal_max_lag_hours',
        'causal_min_abs_correlation', 'canary_expected_split', 'srm_alpha', 'srm_min_expected_count',
        'alert_budget_k_grid', 'alert_budget_window_grid', 'slos', 'slo_burn_rate_rules',
        'slo_status_burn_rate_window', 'python_model_packages', 'tsg_region', 'tsg_service_name',
        'tsg_environment', 'tsg_incident_start', 'tsg_end_time', 'tsg_lookback_hours',
        'tsg_sla_threshold', 'tsg_version_min_requests', 'tsg_version_regression_delta_pct',
        'tsg_version_slow_rate_pct', 'tsg_slow_request_ms', 'tsg_flag_threshold_source',
        'tsg_flag_high_error_rate_pct', 'tsg_flag_high_error_min_requests', 'tsg_flag_min_requests',
        'tsg_flag_p95_latency_ms', 'tsg_flag_latency_zscore', 'tsg_region_min_requests',
        'tsg_region_critical_availability_pct', 'tsg_region_warning_availability_pct',
        'tsg_region_trend_pp_per_hour', 'tsg_partition_min_requests',
        'tsg_partition_high_error_rate_pct', 'tsg_partition_high_latency_ms',
        'tsg_partition_unstable_stddev_ms', 'tsg_partition_low_success_pct', 'tsg_zone_min_requests',
        'tsg_zone_critical_success_pct', 'tsg_zone_degraded_success_pct',
        'tsg_zone_infra_error_rate_pct', 'tsg_zone_high_latency_ms', 'tsg_zone_cpu_pct',
        'tsg_zone_memory_pct', 'tsg_endpoint_min_requests', 'tsg_endpoint_server_error_rate_pct',
        'tsg_endpoint_low_success_pct', 'tsg_endpoint_p99_latency_ms',
        'tsg_endpoint_client_error_rate_pct', 'tsg_endpoint_low_cache_hit_pct',
        'tsg_endpoint_cache_min_requests', 'tsg_product_min_requests', 'tsg_product_premium_sla_pct',
        'tsg_product_standard_sla_pct', 'tsg_product_critical_success_pct',
        'tsg_product_retry_rate_pct', 'tsg_product_dependency_failure_pct',
        'tsg_product_high_latency_ms', 'tsg_workflow_critical_completion_pct',
        'tsg_error_spike_per_hour', 'tsg_error_cascading_share', 'tsg_error_transient_retry_share',
        'tsg_error_high_affected_users', 'tsg_error_urgent_hours', 'tsg_plan_min_explanatory_power',
        'tsg_plan_min_z', 'tsg_plan_min_server_errors', 'tsg_plan_min_lift', 'tsg_plan_echo_share', 'tsg_plan_stopped_minutes'
    ]) }}
{%- endmacro %}

{#- The vars given on the command line (--vars), as a dict. -#}
{% macro given_vars() -%}
    {%- set given = invocation_args_dict.get('vars') or {} -%}
    {{ return(fromyaml(given) or {} if given is string else given) }}
{%- endmacro %}

{% macro check_given_vars_are_declared() -%}
    {%- set given = oncall_analytics.given_vars() -%}
    {%- set declared = oncall_analytics.declared_vars() -%}
    {%- set unknown = given.keys() | reject('in', declared) | list -%}
    {%- if unknown -%}
        {%- set hints = [] -%}
        {%- for name in unknown -%}
            {%- set stem = (name | string).split('_')[0] ~ '_' -%}
            {%- set alike = [] -%}
            {%- for known in declared if known.startswith(stem) -%}{%- do alike.append(known) -%}{%- endfor -%}
            {%- do hints.append("'" ~ name ~ "'" ~ ((" (vars starting alike: " ~ alike[:8] | join(', ') ~ ")") if alike else "")) -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error("Unknown var(s) in --vars: " ~ hints | join('; ')
            ~ ". Every var of the project is in dbt_project.yml and the docs (README, \"Parameters (vars)\"); a misspelled one would be ignored.") }}
    {%- endif -%}
{%- endmacro %}
