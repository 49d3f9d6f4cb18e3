{#-
  DuckDB, log_source external: logs_path must be a folder that exists.
  DuckDB's glob lists files only, so a logs_path that does not exist reads
  as folders without Parquet files: an operator saw the input-mismatch error
  on a built warehouse (it suggested --full-refresh), and on a new one the
  seeds loaded before nine "holds no *.parquet file" errors, neither saying
  the folder was not there. The plugin's oncall_path_kind tells the two
  apart; where it is not registered (a profile without the plugin) the
  check is skipped, and the per-log checks of require_log_files speak as
  before. A logs_path holding glob characters (logs_path_glob) names
  several folders, each log's checked by require_log_files.
-#}
{% macro require_logs_path_folder(logs_path) -%}
    {%- if modules.re.search('[*?\\[\\]]', logs_path) -%}{{ return('') }}{%- endif -%}
    {%- set registered = run_query("select count(*) from duckdb_functions() where function_name = 'oncall_path_kind'").rows[0][0] > 0 -%}
    {%- if not registered -%}{{ return('') }}{%- endif -%}
    {%- set kind = run_query("select oncall_path_kind(" ~ oncall_analytics.sql_literal(logs_path) ~ ")").rows[0][0] -%}
    {%- if kind != 'folder' -%}
        {%- set why = {'missing': 'it does not exist', 'file': 'it is a file',
                       'looping': 'symbolic links on its way lead to each other',
                       'unreachable': 'a folder on its way may not be entered by this user'}[kind] -%}
        {%- set relative = '' if modules.re.match('^([/~]|[A-Za-z]:)', logs_path)
                           else ' (a relative path, read from the folder dbt is started in)' -%}
        {{ exceptions.raise_compiler_error(
            "Invalid var 'logs_path': " ~ oncall_analytics.shown_value(logs_path) ~ relative ~ " is not a folder (" ~ why
            ~ "). With log_source external, logs_path is the folder holding one folder of Parquet files per log "
            ~ "(README, \"Your own logs\"). Pass it as --vars '{log_source: external, logs_path: ...}'.") }}
    {%- endif -%}
{%- endmacro %}

{#- The on-run-start hook's check of logs_path (require_logs_path_folder): a
    run on your own logs stops before any seed or model when the folder is
    not there, rather than at the first model that reads a log. A logs_path
    (or logs_path_glob) given on the command line without `log_source:
    external` stops the run too: it would be ignored, and the run would
    answer from the shipped seeds without a word (operator trial). -#}
{% macro check_logs_path_folder() -%}
    {%- set given = oncall_analytics.given_vars() -%}
    {#- logs_path_glob: false says nothing to ignore -#}
    {%- set path_vars = given.keys() | select('in', ['logs_path', 'logs_path_glob']) | list -%}
    {%- if 'logs_path_glob' in path_vars and given['logs_path_glob'] | string | lower in ['false', 'none'] -%}
        {%- do path_vars.remove('logs_path_glob') -%}
    {%- endif -%}
    {%- if execute and path_vars and var('log_source', 'seeds') != 'external' -%}
        {{ exceptions.raise_compiler_error(
            "Invalid var '" ~ path_vars[0] ~ "': it is read with log_source external only, and this run has log_source "
            ~ oncall_analytics.shown_value(var('log_source', 'seeds')) ~ ", so it would read the shipped seeds and ignore "
            ~ path_vars[0] ~ ". Pass --vars '{log_source: external, logs_path: ...}' for your own logs, or leave "
            ~ path_vars[0] ~ " out for the seeds.") }}
    {%- endif -%}
    {%- if execute and target.type == 'duckdb' and var('log_source', 'seeds') == 'external' -%}
        {%- do oncall_analytics.require_logs_path_folder(oncall_analytics.var_logs_path()) -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
