{#- Seconds since 1970-01-01 00:00:00 UTC as a double, microseconds kept. -#}
{% macro epoch_seconds(ts) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'oncall_analytics')(ts)) }}
{%- endmacro %}

{#- Spark SQL 3.1+. A double on purpose: dividing by the literal 1000000.0
    would give a decimal on Spark. -#}
{% macro default__epoch_seconds(ts) -%}
    (cast(unix_micros({{ ts }}) as double) / 1000000)
{%- endmacro %}

{% macro duckdb__epoch_seconds(ts) -%}
    (epoch_us({{ ts }}) / 1000000.0)
{%- endmacro %}
