{#-
  The raw table `name`: the seed of that name by default, or the dbt source
  table `<source_name>.<name>` when the var `log_source` is `external` (your
  own logs: Parquet files under logs_path with DuckDB, warehouse tables
  elsewhere). Staging models get it through staging_log. logs_path is
  validated first (var_logs_path): it becomes SQL text in the source's
  location.
-#}
{% macro raw_table(source_name, name) -%}
    {%- set mode = var('log_source', 'seeds') -%}
    {%- if mode == 'seeds' -%}
        {{ return(ref(name)) }}
    {%- elif mode == 'external' -%}
        {%- if target.type == 'duckdb' -%}
            {%- do oncall_analytics.var_logs_path() -%}
        {%- endif -%}
        {{ return(source(source_name, name)) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("Invalid var 'log_source': got " ~ (mode | string | tojson) ~ "; expected 'seeds' (the shipped seed files) or 'external' (your own logs, see the README).") }}
    {%- endif -%}
{%- endmacro %}
