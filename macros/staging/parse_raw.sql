{#-
  A raw column as `data_type`, null where it does not parse (the base model's
  checks turn that into a quarantine reason). A raw column that already has
  a type the value keeps exactly (a Parquet TIMESTAMP read as a timestamp,
  an INTEGER as a bigint or a double) is cast as it is; any other column
  (text, as in the seeds) is trimmed first (clean_text). Sending the 8
  typed request columns through text and back took 6.7 s at 10M rows,
  casting them directly 2.4 s (bench/).
    raw_types  the raw table's columns and types (raw_column_types)
-#}
{% macro parse_raw(column, data_type, raw_types) -%}
    {%- set raw_type = (raw_types.get(column | lower) or '') | lower -%}
    {%- set target = data_type | lower -%}
    {%- set integer_types = ['tinyint', 'smallint', 'integer', 'int', 'bigint', 'int8', 'int4', 'int2', 'long', 'short', 'byte'] -%}
    {%- set exact = (target == raw_type == dbt.type_timestamp() | lower)
        or (target in [dbt.type_int() | lower, dbt.type_bigint() | lower] and raw_type in integer_types)
        or (target == 'double' and (raw_type in integer_types + ['float', 'double', 'real'] or raw_type.startswith('decimal'))) -%}
    {%- if exact -%}
        {{ oncall_analytics.try_cast(column, data_type) }}
    {%- else -%}
        {{ oncall_analytics.try_cast(oncall_analytics.clean_text(column), data_type) }}
    {%- endif -%}
{%- endmacro %}

{#- The columns of a raw table and their types, as {lower name: lower type};
    empty while dbt parses, and for a unit test's fixture (no table to read),
    so that everything then goes through text, which is always correct. -#}
{% macro raw_column_types(relation) -%}
    {%- if not execute or (relation | string).startswith('__dbt__cte__') -%}
        {{ return({}) }}
    {%- endif -%}
    {{ return(adapter.dispatch('raw_column_types', 'oncall_analytics')(relation)) }}
{%- endmacro %}

{#- DuckDB: a source may be read_parquet('...'), not a catalog table. -#}
{% macro duckdb__raw_column_types(relation) -%}
    {%- set types = {} -%}
    {%- for row in run_query('describe select * from ' ~ relation) -%}
        {%- do types.update({row['column_name'] | lower: row['column_type'] | lower}) -%}
    {%- endfor -%}
    {{ return(types) }}
{%- endmacro %}

{% macro default__raw_column_types(relation) -%}
    {%- set types = {} -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do types.update({column.name | lower: column.dtype | lower}) -%}
    {%- endfor -%}
    {{ return(types) }}
{%- endmacro %}
