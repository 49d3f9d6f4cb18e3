{#-
  SQL (DuckDB): the CTEs `schema_columns` (file_name, column_name: each
  Parquet file's own top-level columns, from its footer: the first part of
  each column chunk's path, so a struct's field `req.status` is not a column
  `status`), `log_files` (file_name) and `partition_columns` (file_name,
  column_name: the `<column>=<value>/` folders of its path below the log's
  folder), column names lower-cased, for the files of the glob `files`. A
  file without rows has no row group and no row to read a column from: it is
  left out. Shared by log_files_missing_columns and
  require_partitions_match_files.
-#}
{% macro log_file_columns_ctes(files, table) -%}
        schema_columns as (
            select distinct file_name, lower(split_part(path_in_schema, ', ', 1)) as column_name
            from parquet_metadata({{ oncall_analytics.sql_literal(files) }}) where row_group_id = 0
        ),
        log_files as (
            select distinct file_name from schema_columns
        ),
        partition_columns as (
            select file_name, lower(unnest(regexp_extract_all(
                {{- oncall_analytics.path_below_log_folder('file_name', table) }}, '([^/\\=]+)=[^/\\]*[/\\]', 1))) as column_name
            from log_files
        )
{%- endmacro %}

{#- DuckDB, log_source external: a file inside a `<column>=<value>/` folder
    that also holds the column itself is read with the folder's value on
    every row (DuckDB's hive partitioning; Spark refuses such a table). Where
    the log's files do that for one of its contract columns, the column is
    read both ways (with and without the folders) and the run stops, naming
    files, folder value and file value, when any row differs: that would be a
    silent change of value. Files that agree with their folders (a writer
    that keeps the partition column in its files) are read as they are. -#}
{% macro require_partitions_match_files(logs_path, name, contract) -%}
    {%- set files = logs_path ~ '/' ~ name ~ '/**/*.parquet' -%}
    {%- set contract_literals = [] -%}
    {%- for column_name in contract -%}{%- do contract_literals.append(oncall_analytics.sql_literal(column_name)) -%}{%- endfor -%}
    {%- set ctes = oncall_analytics.log_file_columns_ctes(files, name) -%}
    {%- set overlaps = run_query(
        "with " ~ ctes ~ "
        select distinct column_name
        from schema_columns inner join partition_columns using (file_name, column_name)
        where column_name in (" ~ contract_literals | join(', ') ~ ")
        order by column_name") -%}
    {%- for column_name in overlaps.columns[0].values() -%}
        {%- set read_options = oncall_analytics.sql_literal(files) ~ ", union_by_name = true, filename = true, file_row_number = true" -%}
        {%- set differing = run_query(
            "with " ~ ctes ~ ",
            overlapping as (
                select file_name
                from schema_columns inner join partition_columns using (file_name, column_name)
                where column_name = " ~ oncall_analytics.sql_literal(column_name) ~ "
            ),
            folder_read as (
                select filename, file_row_number, cast(" ~ adapter.quote(column_name) ~ " as varchar) as value
                from read_parquet(" ~ read_options ~ ", hive_partitioning = true)
                where filename in (select file_name from overlapping)
            ),
            file_read as (
                select filename, file_row_number, cast(" ~ adapter.quote(column_name) ~ " as varchar) as value
                from read_parquet(" ~ read_options ~ ", hive_partitioning = false)
                where filename in (select file_name from overlapping)
            ),
            differences as (
                select folder_read.filename, folder_read.value as folder_value, file_read.value as file_value
                from folder_read inner join file_read using (filename, file_row_number)
                where folder_read.value is distinct from file_read.value
            )
            select count(*), count(distinct filename),
                   array_to_string((list(distinct filename order by filename))[1:3], ', '),
                   min(folder_value), min_by(file_value, folder_value)
            from differences") -%}
        {%- set rows_differing, files_differing, examples, folder_value, file_value = differing.rows[0] -%}
        {%- if rows_differing -%}
            {{ exceptions.raise_compiler_error(
                logs_path ~ "/" ~ name ~ "/ has files inside `" ~ column_name ~ "=<value>/` folders that hold a `"
                ~ column_name ~ "` column of their own, with other values: " ~ rows_differing ~ " row(s) in "
                ~ files_differing ~ " file(s) (" ~ examples ~ (", ..." if files_differing > 3 else "") ~ "), e.g. "
                ~ (file_value | tojson) ~ " in a file where its folder says " ~ (folder_value | tojson)
                ~ ". DuckDB would read the folder's value on every row of such a file (Spark refuses such a table), "
                ~ "so the run stops rather than change them. Write the files without the column, as Spark's and "
                ~ "pandas' partitionBy do, or put each file in the folder of its values.") }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
