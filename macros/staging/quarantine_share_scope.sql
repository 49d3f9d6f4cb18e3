{#- The rows a quarantined_share test judges, as a filter on the base model
    (`rows`), the words its report uses for them (`words`) and the fewest
    rows it judges (`min_rows`, a whole number): the whole log, or with
    `recent_by` (the staged event time) the rows of the last
    incremental_lookback_hours, at least one hour, before the newest
    accepted time; in either, a row's later copies (exact duplicates) are
    left out. -#}
{% macro quarantine_share_scope(model, recent_by=none, min_rows=0) -%}
    {%- if min_rows is not integer or min_rows < 0 -%}
        {{ exceptions.raise_compiler_error("quarantined_share: min_rows must be a whole number of rows, got " ~ min_rows) }}
    {%- endif -%}
    {#- a row's later copies are not rows of their own: a file re-sent whole (an at-least-once writer) refuses
        nothing, and counted, it failed the hourly run and silenced every page (operator trial) -#}
    {%- set distinct_rows = "(quarantine_reason is null or quarantine_reason not like "
        ~ oncall_analytics.sql_literal('%' ~ oncall_analytics.exact_duplicate_reason()) ~ ")" -%}
    {%- if recent_by is none -%}
        {{ return({'rows': distinct_rows, 'words': 'distinct rows', 'min_rows': min_rows}) }}
    {%- endif -%}
    {%- set hours = [oncall_analytics.var_integer('incremental_lookback_hours', 0, 8760) | int, 1] | max -%}
    {%- set column = adapter.quote(recent_by) -%}
    {%- set newest = 'max(' ~ column ~ ')' -%}
    {%- set rows -%}
        {{ distinct_rows }} and {{ column }} >= (
            select {{ dbt.dateadd('hour', -hours, newest) }} from {{ model }}
            where quarantine_reason is null
        )
    {%- endset -%}
    {{ return({'rows': rows, 'words': 'distinct rows of the last ' ~ hours ~ ' h before its newest accepted ' ~ recent_by,
        'min_rows': min_rows}) }}
{%- endmacro %}
