{#-
  The raw table `name`: the seed of that name by default, or the dbt source
  table `<source_name>.<name>` when the var `log_source` is `external` (your
  own logs: Parquet files under logs_path with DuckDB, warehouse tables
  elsewhere). Staging models get it through staging_log. logs_path is
  validated first (var_logs_path): it becomes SQL text in the source's
  location.
  Lineage: dbt records a model's parents from the ref() and source() calls it
  makes while parsing. The source is called then in both modes, so dbt docs
  shows where your own logs enter staging even when the seeds are read; at
  run time only the selected relation is used, so seeds mode never touches
  the source (no Parquet needed). The seed is a parent in seeds mode only:
  in external mode it would make every `+` selection (the hourly selector,
  `-s +tsg_action_plan`) load the shipped seeds again.
-#}
{% macro raw_table(source_name, name) -%}
    {%- set mode = var('log_source', 'seeds') -%}
    {%- if mode not in ['seeds', 'external'] -%}
        {{ exceptions.raise_compiler_error("Invalid var 'log_source': got " ~ (mode | string | tojson) ~ "; expected 'seeds' (the shipped seed files) or 'external' (your own logs, see the README).") }}
    {%- endif -%}
    {%- if not execute -%}
        {%- do source(source_name, name) -%}
    {%- endif -%}
    {%- if mode == 'seeds' -%}
        {{ return(ref(name)) }}
    {%- endif -%}
    {%- if target.type == 'duckdb' -%}
        {%- set logs_path = oncall_analytics.var_logs_path() -%}
        {%- if execute -%}{%- do oncall_analytics.require_log_files(logs_path, name) -%}{%- endif -%}
    {%- endif -%}
    {{ return(source(source_name, name)) }}
{%- endmacro %}

{#- DuckDB, log_source external: the log's files must be readable as the
    source reads them (<logs_path>/<name>/**/*.parquet, dbt_project.yml), with
    a message naming logs_path rather than DuckDB's "No files found" from deep
    inside a model's SQL; and no file there may be left unread without a word
    (a Hive file named 000000_0, a CSV): files whose name starts with `_` or `.`
    are writers' markers and checksums (_SUCCESS, .part-0.crc), as for Spark
    and Hadoop, and are skipped. logs_path is validated (no quotes). -#}
{% macro require_log_files(logs_path, name) -%}
    {%- set folder = logs_path ~ '/' ~ name -%}
    {%- set found = run_query(
        "with files as (select file, file like '%.parquet' as is_parquet, regexp_matches(file, '[/\\\\][_.][^/\\\\]*$') as is_marker "
        ~ "from glob('" ~ folder ~ "/**')) "
        ~ "select count(*) filter (where is_parquet), count(*) filter (where not is_parquet and not is_marker), "
        ~ "array_to_string((list(file order by file) filter (where not is_parquet and not is_marker))[1:3], ', ') from files") -%}
    {%- set parquet_files, unread, examples = found.rows[0][0], found.rows[0][1], found.rows[0][2] -%}
    {%- if parquet_files == 0 -%}
        {%- set logs = graph.sources.values() | selectattr('package_name', 'equalto', project_name) | map(attribute='name') | sort | unique | list -%}
        {{ exceptions.raise_compiler_error(
            "log_source is external and logs_path is `" ~ logs_path ~ "`, but " ~ folder ~ "/ holds no *.parquet file (at any depth). "
            ~ "Each log a model reads needs its folder of Parquet files under logs_path: " ~ logs | join(', ')
            ~ " (README, \"Your own logs\").") }}
    {%- endif -%}
    {%- if unread > 0 -%}
        {{ exceptions.raise_compiler_error(
            folder ~ "/ holds " ~ unread ~ " file(s) the log would not read, since only *.parquet files are: "
            ~ examples ~ (", ..." if unread > 3 else "") ~ ". Give Parquet files the .parquet "
            ~ "extension, and move other files out of the folder.") }}
    {%- endif -%}
{%- endmacro %}
