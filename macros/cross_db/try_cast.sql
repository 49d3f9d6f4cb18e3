{#- Cast that yields null instead of failing on a malformed value, so staging
    can quarantine the row. (dbt's own safe_cast is a plain cast on DuckDB.) -#}
{% macro try_cast(expr, data_type) -%}
    {{ return(adapter.dispatch('try_cast', 'oncall_analytics')(expr, data_type)) }}
{%- endmacro %}

{#- DuckDB and Spark SQL (3.2+) both spell it try_cast. -#}
{% macro default__try_cast(expr, data_type) -%}
    try_cast({{ expr }} as {{ data_type }})
{%- endmacro %}
