{#-
  The raw table `name`: the seed of that name by default, or the dbt source
  table `<source_name>.<name>` when the var `log_source` is `external` (your
  own logs: Parquet/CSV files by path with DuckDB, warehouse tables elsewhere).
  Staging models call this in their import CTE instead of ref()/source().
-#}
{% macro raw_table(source_name, name) -%}
    {%- set mode = var('log_source', 'seeds') -%}
    {%- if mode == 'seeds' -%}
        {{ return(ref(name)) }}
    {%- elif mode == 'external' -%}
        {{ return(source(source_name, name)) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("Invalid var 'log_source': got " ~ (mode | string | tojson) ~ "; expected 'seeds' (the shipped seed files) or 'external' (your own logs, see the README).") }}
    {%- endif -%}
{%- endmacro %}
