{#-
  Seeds declare every column `varchar` (loaded as text, typed in staging).
  Spark SQL rejects a varchar without a length; its text type is `string`.
  These dispatch overrides of dbt-spark's seed macros rewrite a seed's
  column types with `spark_data_type` in place, then hand over to dbt-spark's
  own implementation (`dbt.` names the adapter's macro, not these).
-#}
{% macro spark__create_csv_table(model, agate_table) %}
    {%- do oncall_analytics.spark_seed_column_types(model) -%}
    {{ return(dbt.spark__create_csv_table(model, agate_table)) }}
{% endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- do oncall_analytics.spark_seed_column_types(model) -%}
    {{ return(dbt.spark__load_csv_rows(model, agate_table)) }}
{% endmacro %}

{% macro spark_seed_column_types(model) %}
    {%- set column_types = model['config'].get('column_types', {}) -%}
    {%- for column_name in column_types.keys() | list -%}
        {%- do column_types.update({column_name: oncall_analytics.spark_data_type(column_types[column_name])}) -%}
    {%- endfor -%}
{% endmacro %}
