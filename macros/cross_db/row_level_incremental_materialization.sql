{#- Materialization of a model that loads incrementally with a row-level
    upsert (delete+insert on its unique key). -#}
{% macro row_level_incremental_materialization() -%}
    {{ return(adapter.dispatch('row_level_incremental_materialization', 'oncall_analytics')()) }}
{%- endmacro %}

{% macro default__row_level_incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{#- Spark on plain Parquet tables has neither row-level delete nor merge (both
    need Delta Lake, Iceberg or Hudi), so such a model is rebuilt in full:
    same rows, no incremental saving. With Delta, use incremental + merge. -#}
{% macro spark__row_level_incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}
