{#- The rows a quarantined_share test judges, as a filter on the base model
    (`rows`), the words its report uses for them (`words`) and the fewest
    rows it judges (`min_rows`, a whole number): the whole log, or with
    `recent_by` (the staged event time) the rows of the last
    incremental_lookback_hours, at least one hour, before the newest
    accepted time. -#}
{% macro quarantine_share_scope(model, recent_by=none, min_rows=0) -%}
    {%- if min_rows is not integer or min_rows < 0 -%}
        {{ exceptions.raise_compiler_error("quarantined_share: min_rows must be a whole number of rows, got " ~ min_rows) }}
    {%- endif -%}
    {%- if recent_by is none -%}
        {{ return({'rows': '1 = 1', 'words': 'rows', 'min_rows': min_rows}) }}
    {%- endif -%}
    {%- set hours = [oncall_analytics.var_integer('incremental_lookback_hours', 0, 8760) | int, 1] | max -%}
    {%- set column = adapter.quote(recent_by) -%}
    {%- set newest = 'max(' ~ column ~ ')' -%}
    {%- set rows -%}
        {{ column }} >= (
            select {{ dbt.dateadd('hour', -hours, newest) }} from {{ model }}
            where quarantine_reason is null
        )
    {%- endset -%}
    {{ return({'rows': rows, 'words': 'rows of the last ' ~ hours ~ ' h before its newest accepted ' ~ recent_by,
        'min_rows': min_rows}) }}
{%- endmacro %}
