{#- Written after `as` in an import CTE that later steps read several times
    (a staging base model reads its raw log three times to mark duplicates).
    DuckDB materializes such a CTE, copying the whole log (10M wide rows)
    before reading it; NOT MATERIALIZED inlines it, so each read is a plain
    scan whose filters reach the Parquet files. Spark inlines CTEs anyway and
    has no such keyword. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'oncall_analytics')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}
