{#-
  The check of every var a Python model reads. Python models get their vars
  through their YAML `config:` ("{{ var('x') }}", read with dbt.config.get)
  and cannot call the readers in var_checks.sql themselves, so this macro
  calls them, as the project's on-run-start hook: a bad value stops
  `dbt compile`, `run` or `build` before any model runs, naming the var and
  the accepted form. The bounds are the readers' arguments below; the
  package's oncall_analytics.parameters only converts the accepted forms.
-#}
{% macro validate_python_model_vars() -%}
    {%- do oncall_analytics.check_given_vars_are_declared() -%}
    {%- do oncall_analytics.var_one_of('anomaly_method', ['notebook', 'robust']) -%}
    {%- set grain = oncall_analytics.var_minutes_dividing_an_hour('detection_grain_minutes') | int -%}
    {%- set window = oncall_analytics.var_integer('anomaly_window_hours', 2, 8760) | int -%}
    {%- do oncall_analytics.require_whole_level_blocks('anomaly_window_hours', [window], grain) -%}
    {%- do oncall_analytics.var_number('anomaly_k', 0.1, 1000) -%}
    {%- do oncall_analytics.var_number('anomaly_min_baseline_fraction', 0, 1) -%}
    {#- the robust scale rests on the residuals of the previous 14 days (robust.RobustParams.scale_hours): a
        longer history is never reached, and nothing was scored, silently (operator trial) -#}
    {%- if oncall_analytics.var_number('min_history_hours', 0.1, 8760) | float > 336 -%}
        {{ oncall_analytics._var_error('min_history_hours', var('min_history_hours'),
             "a number >= 0.1 and <= 336: the robust method's scale rests on the residuals of the previous 14 days "
             ~ "(336 hours), so a longer history is never reached and no bucket would be scored") }}
    {%- endif -%}
    {%- do oncall_analytics.var_time_zone('seasonality_time_zone') -%}
    {%- do oncall_analytics.var_integer('incident_cluster_gap_hours', 0, 8760) -%}
    {%- do oncall_analytics.var_number('incident_quiet_hours', 0, 8760) -%}
    {%- do oncall_analytics.var_number('incident_join_gap_hours', 0, 8760) -%}
    {%- do oncall_analytics.var_number('incident_join_min_abs_correlation', 0.01, 1) -%}
    {%- do oncall_analytics.var_number('incident_join_max_lag_hours', 0, 720) -%}
    {%- do oncall_analytics.var_integer('level_shift_window_hours', 1, 8760) -%}
    {%- do oncall_analytics.var_number('level_shift_threshold', 0.1, 1000) -%}
    {%- do oncall_analytics.var_integer('causal_max_lag_hours', 0, 720) -%}
    {%- do oncall_analytics.var_number('causal_min_abs_correlation', 0, 1) -%}
    {%- do oncall_analytics.var_number('srm_alpha', 0, 1) -%}
    {%- do oncall_analytics.var_number('srm_min_expected_count', 0, 1000000) -%}
    {%- do oncall_analytics.var_number_list('alert_budget_k_grid', 0.1, 1000) -%}
    {%- set window_grid = oncall_analytics.var_number_list('alert_budget_window_grid', 2, 8760, integer=true) -%}
    {%- do oncall_analytics.require_whole_level_blocks('alert_budget_window_grid', window_grid | map('int') | list, grain) -%}
    {#- what a remote warehouse installs for the Python models (dbt config `packages`) -#}
    {%- set packages = var('python_model_packages', []) -%}
    {%- if packages is string or packages is mapping or packages is not iterable
          or packages | reject('string') | list or packages | select('equalto', '') | list -%}
        {{ oncall_analytics._var_error('python_model_packages', packages,
             "a list of package names or wheel paths, e.g. ['/Volumes/main/libs/oncall_analytics-0.1.0-py3-none-any.whl']") }}
    {%- endif -%}
{%- endmacro %}
