{#-
  The loaded_at_query of a log's source (`dbt source freshness`): the newest
  time of the log that the staging kit would accept, read the way the kit
  reads it (staged_value: text, offsets, time zones, epoch units) and within
  the accepted range (accepted_time_range). A malformed time such as
  '2024-03-12 25:61:00' is skipped rather than failing the query (a hard cast
  did, and the scheduled `freshness && build` never built), and one row dated
  2999 cannot make stale logs look fresh. Rendered by dbt at freshness time,
  where `model` is the source table and `this` its relation. The sources are
  your own logs: in seeds mode the command stops saying so, and on DuckDB a
  log folder without Parquet files stops it naming logs_path and the folder
  (require_log_files, as the build), not with DuckDB's "No files found".
  A log with no row at all (the README's empty file for a log you do not
  have) reads as stale every hour with no reason given: it warns, saying
  so and how to leave it out (operator trial).
-#}
{% macro newest_accepted_log_time() -%}
    {%- set mode = var('log_source', 'seeds') -%}
    {%- if execute and mode != 'external' -%}
        {{ exceptions.raise_compiler_error(
            "dbt source freshness checks your own logs, and log_source is " ~ oncall_analytics.shown_value(mode)
            ~ ": the shipped seeds are files that do not grow. Run it with --vars '{log_source: external, logs_path: <your logs>}' "
            ~ "(README, \"Your own logs\").") }}
    {%- endif -%}
    {%- if target.type == 'duckdb' and mode == 'external' -%}
        {%- set logs_path = oncall_analytics.var_logs_path() -%}
        {%- if execute -%}{%- do oncall_analytics.require_log_files(logs_path, model.name) -%}{%- endif -%}
    {%- endif -%}
    {%- if execute and run_query('select 1 from ' ~ this ~ ' limit 1').rows | length == 0 -%}
        {%- do exceptions.warn("source freshness: " ~ model.source_name ~ "." ~ model.name ~ " has no row at all, so it reads as stale"
            ~ " (max_loaded_at 0001-01-01). For a log you do not have (an empty file, as the README advises), leave it out of the"
            ~ " check: --exclude source:" ~ model.source_name ~ "." ~ model.name ~ " (README, Scheduled runs).") -%}
    {%- endif -%}
    {%- set event_times = [] -%}
    {%- for column in oncall_analytics.staging_columns(model.name, model.source_name) if column.event_time -%}
        {%- do event_times.append(column) -%}
    {%- endfor -%}
    {%- if not event_times -%}
        {{ exceptions.raise_compiler_error("Source " ~ model.source_name ~ "." ~ model.name ~ " has freshness but its seed declares no event_time column") }}
    {%- endif -%}
    {%- set time_range = oncall_analytics.accepted_time_range() -%}
    select max(log_time)
    from (
        select {{ oncall_analytics.staged_value(event_times[0], oncall_analytics.raw_column_types(this)) }} as log_time
        from {{ this }}
    ) as log_times
    where log_time >= {{ time_range.floor }} and log_time <= {{ time_range.horizon }}
{%- endmacro %}
