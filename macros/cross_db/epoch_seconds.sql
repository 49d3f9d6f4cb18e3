{#- Seconds since 1970-01-01 00:00:00 UTC as a double, microseconds kept. -#}
{% macro epoch_seconds(ts) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'oncall_analytics')(ts)) }}
{%- endmacro %}

{#- Spark SQL 3.1+. -#}
{% macro default__epoch_seconds(ts) -%}
    (unix_micros({{ ts }}) / 1000000.0)
{%- endmacro %}

{% macro duckdb__epoch_seconds(ts) -%}
    (epoch_us({{ ts }}) / 1000000.0)
{%- endmacro %}
