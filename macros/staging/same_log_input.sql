{#-
  Which input a base model's rows were loaded from, and the check that an
  incremental run appends from that input only.
  log_input(log): the log's raw table as this run reads it, as text:
    `seed <name>` (log_source: seeds), else the source's relation (on DuckDB
    the Parquet location, logs_path included). Quotes are dropped, so it is a
    plain SQL literal on every adapter.
  check_same_log_input(log): on an incremental run, the input recorded in
    the model's `loaded_from` column must be this run's. Switching
    log_source or logs_path on a built warehouse would otherwise append one
    input's rows to another's without a word (a `tsg` run on the seeds into
    a warehouse of your own logs, say). A full refresh starts over from the
    new input.
-#}
{% macro log_input(log) -%}
    {%- set input = ('seed ' ~ log.table) if var('log_source', 'seeds') == 'seeds' else (log.relation | string) -%}
    {{ return(input | replace("'", "") | replace("\\", "/")) }}
{%- endmacro %}

{% macro check_same_log_input(log) -%}
    {%- if not oncall_analytics.recorded_setting_to_check('loaded_from') -%}{{ return('') }}{%- endif -%}
    {%- set found = run_query("select loaded_from from " ~ this ~ " where loaded_from is not null limit 1") -%}
    {%- set loaded_from = found.rows[0][0] if found.rows | length > 0 else none -%}
    {%- set reading = oncall_analytics.log_input(log) -%}
    {%- if loaded_from is not none and loaded_from != reading -%}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ " holds rows loaded from `" ~ loaded_from ~ "`, and this run reads `" ~ reading
            ~ "` (vars log_source and logs_path). An incremental run would mix the two logs."
            ~ oncall_analytics.mixed_setting_ways_out('vars')) }}
    {%- endif -%}
{%- endmacro %}
