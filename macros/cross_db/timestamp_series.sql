{#- A select-list expression that turns one row into one row per timestamp
    from `start_ts` to `end_ts`, both included, every `step_minutes` minutes
    (no row when either end is null). -#}
{% macro timestamp_series(start_ts, end_ts, step_minutes) -%}
    {{ return(adapter.dispatch('timestamp_series', 'oncall_analytics')(start_ts, end_ts, step_minutes)) }}
{%- endmacro %}

{#- Spark SQL: sequence() of timestamps with an interval step, exploded. -#}
{% macro default__timestamp_series(start_ts, end_ts, step_minutes) -%}
    explode(sequence({{ start_ts }}, {{ end_ts }}, interval {{ step_minutes | int }} minutes))
{%- endmacro %}

{% macro duckdb__timestamp_series(start_ts, end_ts, step_minutes) -%}
    unnest(generate_series({{ start_ts }}, {{ end_ts }}, interval '{{ step_minutes | int }} minutes'))
{%- endmacro %}
