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
        {%- do oncall_analytics.var_logs_path() -%}
    {%- endif -%}
    {{ return(source(source_name, name)) }}
{%- endmacro %}
