{#-
  The steps of a staging base model after its import CTE, as CTEs of the
  model's own `with` list (a nested `with` costs DuckDB twice the planning
  time of a wide log):
    marked   every raw row of the log (on an incremental run, of the keys to
             reload: incremental_log_slice), marked for repeats (mark_duplicates)
    typed    staged (staged_columns), plus `extra_columns`
    checked  with quarantine_reason (staging_checks) and loaded_from, the
             input the row came from (check_same_log_input: an incremental
             run appends from that input only)
    staged   every column, and the raw values for the quarantine
             (select_keeping_raw_for_quarantine)
    (complete  only when a contract column is absent from every file of the
               log: the import CTE with that column as null text, so its
               values read as missing, as in a file that lacks it; absent_columns)
  The model ends with `select * from staged`.
    log            the declaration (staging_log)
    rows           the model's import CTE (written `not materialized`)
    extra_columns  optional {name: sql over the raw columns}: values derived
                   from the raw row beside the declared ones (e.g. the
                   parts of a version string)
-#}
{% macro staging_steps(log, rows, extra_columns={}) -%}
{%- do oncall_analytics.check_same_log_input(log) -%}
{%- set absent = oncall_analytics.absent_columns(log) -%}
{%- if absent -%}
complete as (
    select
        *,
        {%- for column in absent %}
        cast(null as {{ dbt.type_string() }}) as {{ column.name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ rows }}
),
{%- set rows = 'complete' -%}
{%- endif %}
marked as (
    {{ oncall_analytics.mark_duplicates(log, oncall_analytics.incremental_log_slice(log, rows), read_once=is_incremental()) }}
),

typed as (
    select
        {{ oncall_analytics.staged_columns(log) }}
        {%- for name, sql in extra_columns.items() -%},
        {{ sql }} as {{ name }}
        {%- endfor %}
    from marked
),

checked as (
    select
        *,
        {{ oncall_analytics.quarantine_reason(oncall_analytics.staging_checks(log)) }} as quarantine_reason,
        '{{ oncall_analytics.log_input(log) }}' as loaded_from
    from typed
),

staged as (
    {{ oncall_analytics.select_keeping_raw_for_quarantine(log, 'checked') }}
)
{%- endmacro %}

{#- The log's contract columns that its raw table does not have at all (known
    at run time only; none while dbt parses). Each is read as missing, as in a
    file of the log without it, and named in a warning, in every run that
    builds the model (the hourly one too): a required one then quarantines
    every row (and the quarantined_share test fails the build), an optional
    one stays null. The log_columns_in_every_file test reports them in dbt's
    summary, with the columns only some files lack. -#}
{% macro absent_columns(log) -%}
    {%- if not (execute and log.raw_types) -%}{{ return([]) }}{%- endif -%}
    {%- set absent = [] -%}
    {%- for column in log.columns if column.name | lower not in log.raw_types -%}{%- do absent.append(column) -%}{%- endfor -%}
    {%- if absent -%}
        {%- do exceptions.warn("log " ~ log.table ~ " (" ~ (log.relation | string) ~ "): no file has the column(s) "
            ~ absent | map(attribute='name') | join(', ') ~ "; read as missing in every row") -%}
    {%- endif -%}
    {{ return(absent) }}
{%- endmacro %}
