{#-
  The var logs_path, validated: the folder of your own logs (log_source:
  external), pasted into read_parquet('<logs_path>/<table>/*.parquet') by
  the sources (dbt_project.yml) and read by raw_column_types. Fails at
  compile time, naming the var, on anything that could leave that string
  literal or change what it reads:
    - not a non-empty string, or longer than 4096 characters;
    - a quote ('), a control character (newline, tab, NUL ...), or { } (the
      location is a Python format string);
    - a glob character (* ? [ ]): it silently reads every matching folder.
      To read several folders on purpose, set logs_path_glob: true;
    - a URL (s3://, http://): DuckDB would install an extension and read
      over the network; logs_path is a folder on this machine;
    - a backslash: DuckDB's glob finds no file below a path that holds one
      (a Windows-style path, or a folder named with one), and the run would
      stop saying the folder holds no Parquet file. `/` works everywhere.
  raw_table calls it before any SQL of an external log is written, and so do
  the freshness query and the row-count test of a source.
-#}
{% macro var_logs_path() -%}
    {%- set value = oncall_analytics.required_var('logs_path') -%}
    {%- set expected = "a folder path (the folder holding <table>/*.parquet) without quotes ('), control characters, { or }" -%}
    {%- if value is not string or value | length > 4096 -%}
        {{ oncall_analytics._var_error('logs_path', value, expected ~ ", at most 4096 characters") }}
    {%- endif -%}
    {%- if modules.re.search("['{}\\x00-\\x1f\\x7f]", value) -%}
        {{ oncall_analytics._var_error('logs_path', value, expected) }}
    {%- endif -%}
    {%- if modules.re.match('^[A-Za-z][A-Za-z0-9+.-]*://', value) -%}
        {{ oncall_analytics._var_error('logs_path', value, expected ~ " on this machine, not a URL (DuckDB would fetch an extension and read over the network)") }}
    {%- endif -%}
    {%- if '\\' in value -%}
        {{ oncall_analytics._var_error('logs_path', value, expected ~ ", and with / between folders, not \\ (DuckDB reads no file below a path with a backslash; / works on Windows too)") }}
    {%- endif -%}
    {%- set glob = oncall_analytics.var_boolean('logs_path_glob') -%}
    {%- if not glob and modules.re.search('[*?\\[\\]]', value) -%}
        {{ oncall_analytics._var_error('logs_path', value, expected ~ ", and without the glob characters * ? [ ] (set logs_path_glob: true to read several folders on purpose)") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- A boolean var: true or false (YAML booleans, or the text true/false in any case). -#}
{% macro var_boolean(name) -%}
    {%- set value = var(name, none) -%}
    {%- if value is boolean -%}
        {{ return(value) }}
    {%- elif value is string and value | trim | lower in ['true', 'false'] -%}
        {{ return(value | trim | lower == 'true') }}
    {%- endif -%}
    {{ oncall_analytics._var_error(name, value, "true or false") }}
{%- endmacro %}
