{#-
  The log seeds (seed meta `load_as_text`, set for every seed outside
  seeds/expected in dbt_project.yml) are loaded with every column as text,
  so that a malformed value never stops `dbt seed` and staging sees the
  values as written; their columns are declared once, in the seed's YAML,
  and no `column_types` list repeats them. Called by the adapters'
  create_csv_table (DuckDB here, Spark in macros/spark/spark_seeds.sql).
-#}
{% macro seed_columns_as_text(model, agate_table) -%}
    {%- if (model['config'].get('meta') or {}).get('load_as_text') -%}
        {%- set column_types = model['config'].get('column_types') -%}
        {%- for column_name in agate_table.column_names -%}
            {%- do column_types.update({column_name: 'varchar'}) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__create_csv_table(model, agate_table) %}
    {%- do oncall_analytics.seed_columns_as_text(model, agate_table) -%}
    {{ return(dbt.default__create_csv_table(model, agate_table)) }}
{% endmacro %}
