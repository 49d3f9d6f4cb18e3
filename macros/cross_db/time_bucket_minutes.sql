{#- Start of the fixed-width bucket of `minutes` minutes holding `ts`, aligned
    on midnight UTC (10 -> :00, :10, ...). Replaces the guide's
    DATE_TRUNC('10 minutes', ...), which neither DuckDB nor Spark accepts. -#}
{% macro time_bucket_minutes(ts, minutes) -%}
    {{ return(adapter.dispatch('time_bucket_minutes', 'oncall_analytics')(ts, minutes)) }}
{%- endmacro %}

{#- Spark SQL: floor the epoch seconds to a multiple of the bucket width. -#}
{% macro default__time_bucket_minutes(ts, minutes) -%}
    timestamp_seconds(floor(unix_timestamp({{ ts }}) / {{ minutes * 60 }}) * {{ minutes * 60 }})
{%- endmacro %}

{% macro duckdb__time_bucket_minutes(ts, minutes) -%}
    time_bucket(interval '{{ minutes | int }} minutes', {{ ts }}, timestamp '2000-01-01 00:00:00')
{%- endmacro %}
