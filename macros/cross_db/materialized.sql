{#- Written after `as` in a small CTE that later steps read several times and
    that is costly to compute (incremental_log_slice's odd keys: one scan of
    the whole log). DuckDB decides by itself whether to materialize a CTE;
    MATERIALIZED makes it compute the CTE once. Spark has no such keyword. -#}
{% macro materialized() -%}
    {{ return(adapter.dispatch('materialized', 'oncall_analytics')()) }}
{%- endmacro %}

{% macro default__materialized() -%}
{%- endmacro %}

{% macro duckdb__materialized() -%}
    materialized
{%- endmacro %}
