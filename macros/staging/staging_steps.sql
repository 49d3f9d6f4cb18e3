{#-
  The steps of a staging base model after its import CTE, as CTEs of the
  model's own `with` list (a nested `with` costs DuckDB twice the planning
  time of a wide log):
    marked   every raw row of the log (on an incremental run, of the keys to
             reload: incremental_log_slice), marked for repeats (mark_duplicates)
    typed    staged (staged_columns), plus `extra_columns`
    checked  with quarantine_reason (staging_checks)
    staged   every column, and the raw values for the quarantine
             (select_keeping_raw_for_quarantine)
  The model ends with `select * from staged`.
    log            the declaration (staging_log)
    rows           the model's import CTE (written `not materialized`)
    extra_columns  optional {name: sql over the raw columns}: values derived
                   from the raw row beside the declared ones (e.g. the
                   parts of a version string)
-#}
{% macro staging_steps(log, rows, extra_columns={}) -%}
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
        {{ oncall_analytics.quarantine_reason(oncall_analytics.staging_checks(log)) }} as quarantine_reason
    from typed
),

staged as (
    {{ oncall_analytics.select_keeping_raw_for_quarantine(log, 'checked') }}
)
{%- endmacro %}
