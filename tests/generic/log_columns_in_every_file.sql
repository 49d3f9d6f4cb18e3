{#-
  Generic test on a staging base model: every file of its log holds every
  contract column (log_files_missing_columns). A file without one reads it
  as missing in each of its rows, which no other check can tell from an
  empty value: a file written before a column was added, or by another
  writer, would count its test traffic as real. Warns with one row per
  column, and says in the log which files lack it and what their rows read.
    source_name, table  the log the model stages
-#}
{% test log_columns_in_every_file(model, source_name, table) %}
{{ config(severity='warn') }}
{#- called while dbt parses too: the raw table (a seed or a source) is a parent of the test -#}
{%- set relation = oncall_analytics.raw_table(source_name, table) -%}
{%- set missing = oncall_analytics.log_files_missing_columns(relation, source_name, table) -%}
{%- if missing -%}
    {%- set declared = {} -%}
    {%- for column in oncall_analytics.staging_columns(table, source_name) -%}{%- do declared.update({column.name: column}) -%}{%- endfor -%}
    {%- set described = [] -%}
    {%- for column_name, files_without, files, examples in missing -%}
        {%- set column = declared[column_name] -%}
        {%- set read_as = 'missing, so the row is quarantined' if column.required
            else (column.empty_means | string | lower) if column.empty_means is not none else 'null' -%}
        {%- do described.append(column_name ~ " (" ~ ("no file" if files_without == files
            else files_without ~ " of " ~ files ~ " files: " ~ examples ~ (", ..." if files_without > 3 else ""))
            ~ "; read as " ~ read_as ~ ")") -%}
    {%- endfor -%}
    {%- do exceptions.warn("log " ~ table ~ ": its files lack column(s) of the contract, read as missing in their rows: "
        ~ described | join('; ')) -%}
{%- endif %}

with missing_columns as (
    {%- for column_name, files_without, files, examples in missing %}
    select
        {{ oncall_analytics.sql_literal(column_name) }} as column_name,
        {{ files_without }} as files_without_column,
        {{ files }} as files,
        {{ oncall_analytics.sql_literal(examples) }} as example_files
    {%- if not loop.last %} union all{% endif %}
    {%- else %}
    select '' as column_name, 0 as files_without_column, 0 as files, '' as example_files
    where 1 = 0
    {%- endfor %}
)

select * from missing_columns
{% endtest %}
