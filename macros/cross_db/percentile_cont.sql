{#- Continuous (interpolated) percentile of `expr` as an aggregate; fraction in [0, 1]. -#}
{% macro percentile_cont(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'oncall_analytics')(expr, fraction)) }}
{%- endmacro %}

{#- Spark SQL: `percentile` is exact and interpolates like PERCENTILE_CONT. -#}
{% macro default__percentile_cont(expr, fraction) -%}
    percentile({{ expr }}, {{ fraction }})
{%- endmacro %}

{% macro duckdb__percentile_cont(expr, fraction) -%}
    quantile_cont({{ expr }}, {{ fraction }})
{%- endmacro %}
