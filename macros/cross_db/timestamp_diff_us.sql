{#- Exact difference end - start in microseconds, as a big integer. -#}
{% macro timestamp_diff_us(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('timestamp_diff_us', 'oncall_analytics')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro default__timestamp_diff_us(start_ts, end_ts) -%}
    (unix_micros({{ end_ts }}) - unix_micros({{ start_ts }}))
{%- endmacro %}

{% macro duckdb__timestamp_diff_us(start_ts, end_ts) -%}
    (epoch_us({{ end_ts }}) - epoch_us({{ start_ts }}))
{%- endmacro %}
