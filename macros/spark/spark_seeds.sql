{#-
  Seeds on Spark. Two dispatch overrides of dbt-spark's seed macros:
  - column types: the log seeds load every column as text (seed_columns_as_text;
    typed in staging); Spark SQL rejects a varchar without a length, so the
    seed's column_types are respelled with `spark_data_type` (varchar -> string).
  - loading: dbt-spark inserts the rows as one SQL VALUES list, which takes
    minutes for a 10,000-row, 40-column seed; Spark's own CSV reader loads it
    in a second. Every value is read as text (no schema inference) and cast
    to the table's column type, as dbt would; empty fields are null, as agate
    makes them.
  `dbt.` names dbt-spark's own macro, not these overrides.
-#}
{% macro spark__create_csv_table(model, agate_table) %}
    {%- do oncall_analytics.seed_columns_as_text(model, agate_table) -%}
    {%- do oncall_analytics.spark_seed_column_types(model) -%}
    {{ return(dbt.spark__create_csv_table(model, agate_table)) }}
{% endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- do oncall_analytics.seed_columns_as_text(model, agate_table) -%}
    {%- do oncall_analytics.spark_seed_column_types(model) -%}
    {%- set column_types = model['config'].get('column_types', {}) -%}
    {%- set csv_path = (model['root_path'] ~ '/' ~ model['original_file_path']) | replace("'", "\\'") -%}
    {%- set csv_view = 'seed_csv__' ~ model['name'] -%}
    {% call statement('seed_csv_view') -%}
        create or replace temporary view {{ csv_view }}
        using csv
        options (path '{{ csv_path }}', header 'true', multiLine 'true', escape '"', mode 'FAILFAST')
    {%- endcall %}
    {%- set sql -%}
        insert into {{ this.render() }}
        select
        {%- for column_name in agate_table.column_names %}
            cast({{ adapter.quote(column_name) }} as {{ column_types.get(column_name, adapter.convert_type(agate_table, loop.index0)) }})
            {{- "," if not loop.last }}
        {%- endfor %}
        from {{ csv_view }}
    {%- endset -%}
    {% do run_query(sql) %}
    {{ return(sql) }}
{% endmacro %}

{% macro spark_seed_column_types(model) %}
    {%- set column_types = model['config'].get('column_types', {}) -%}
    {%- for column_name in column_types.keys() | list -%}
        {%- do column_types.update({column_name: oncall_analytics.spark_data_type(column_types[column_name])}) -%}
    {%- endfor -%}
{% endmacro %}
