{#-
  The log's contract columns that some or all of its files lack, as rows
  [column, files without it, files, up to three of them] in contract order
  (run time only; none while dbt parses). Rows from such a file read the
  column as missing, which the staging kit cannot tell from an empty value:
  a flag then takes its empty meaning (is_test_traffic: real traffic).
  Reported by the log_columns_in_every_file test.
    relation            the log's raw table (raw_table(source_name, table))
    source_name, table  the log
-#}
{% macro log_files_missing_columns(relation, source_name, table) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {{ return(adapter.dispatch('log_files_missing_columns', 'oncall_analytics')(relation, source_name, table)) }}
{%- endmacro %}

{#- One table (a seed, a warehouse table): a column is in it or not. -#}
{% macro default__log_files_missing_columns(relation, source_name, table) -%}
    {%- set raw_types = oncall_analytics.raw_column_types(relation) -%}
    {%- if not raw_types -%}{{ return([]) }}{%- endif -%}{#- not loaded yet (a fresh clone's dbt compile): nothing known -#}
    {%- set missing = [] -%}
    {%- for column in oncall_analytics.staging_columns(table, source_name) if column.name | lower not in raw_types -%}
        {%- do missing.append([column.name, 1, 1, relation | string]) -%}
    {%- endfor -%}
    {{ return(missing) }}
{%- endmacro %}

{#- DuckDB, log_source external: each Parquet file's own top-level columns
    plus the partition columns of its folders (`<column>=<value>/`), case
    aside, as read_parquet's union_by_name reads them (log_file_columns_ctes). -#}
{% macro duckdb__log_files_missing_columns(relation, source_name, table) -%}
    {%- if var('log_source', 'seeds') != 'external' -%}
        {{ return(oncall_analytics.default__log_files_missing_columns(relation, source_name, table)) }}
    {%- endif -%}
    {%- set files = oncall_analytics.var_logs_path() ~ '/' ~ table ~ '/**/*.parquet' -%}
    {%- set contract = [] -%}
    {%- for column in oncall_analytics.staging_columns(table, source_name) -%}
        {%- do contract.append('(' ~ loop.index ~ ', ' ~ oncall_analytics.sql_literal(column.name | lower) ~ ', '
                               ~ oncall_analytics.sql_literal(column.name) ~ ')') -%}
    {%- endfor -%}
    {%- set found = run_query("
        with " ~ oncall_analytics.log_file_columns_ctes(files, table) ~ ",
        file_columns as (
            select * from schema_columns union select * from partition_columns
        ),
        contract (position, column_name, declared_name) as (
            values " ~ contract | join(', ') ~ "
        ),
        lacking as (
            select contract.position, contract.declared_name, log_files.file_name
            from contract cross join log_files
            where not exists (
                select 1 from file_columns
                where file_columns.file_name = log_files.file_name and file_columns.column_name = contract.column_name)
        )
        select declared_name, count(*), (select count(*) from log_files),
               array_to_string((list(file_name order by file_name))[1:3], ', ')
        from lacking group by position, declared_name order by position") -%}
    {%- set missing = [] -%}
    {%- for row in found.rows -%}{%- do missing.append(row | list) -%}{%- endfor -%}
    {{ return(missing) }}
{%- endmacro %}
