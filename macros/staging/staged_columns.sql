{#- The select list of a base model's `typed` step: every declared column
    staged (staged_value) under its staged name, the duplicate markers, and
    raw_<column>, each contract column as received, for the checks and the
    quarantine. -#}
{% macro staged_columns(log) -%}
    {%- for column in log.columns %}
        {{ oncall_analytics.staged_value(column, log.raw_types) }} as {{ column.staged_as }},
    {%- endfor %}
        rows_with_key,
        identical_rows,
        copy_number
    {%- for column in log.columns -%},
        {{ column.name }} as raw_{{ column.name }}
    {%- endfor -%}
{%- endmacro %}

{#- The last select of a base model: every column of `cte`, and the raw
    values for the quarantine. Elsewhere: the raw_<column> copies as they
    are. DuckDB: the copies packed into one JSON column, `raw_row`, set on
    quarantined rows only (only the quarantine reads it): 39 columns of
    nulls cost a fifth of writing the 10M-row request log, one costs nothing
    (bench/README.md). The quarantine then gives the raw values back as text,
    a single-precision float as its writer's shortest text. -#}
{% macro select_keeping_raw_for_quarantine(log, cte) -%}
    {{ return(adapter.dispatch('select_keeping_raw_for_quarantine', 'oncall_analytics')(log, cte)) }}
{%- endmacro %}

{% macro default__select_keeping_raw_for_quarantine(log, cte) -%}
    select * from {{ cte }}
{%- endmacro %}

{% macro duckdb__select_keeping_raw_for_quarantine(log, cte) -%}
    select
        * exclude (
            {%- for column in log.columns %}
            raw_{{ column.name }}{{ ',' if not loop.last }}
            {%- endfor %}
        ),
        case when quarantine_reason is not null then to_json(struct_pack(
            {%- for column in log.columns %}
            {#- a single-precision float as its shortest text: JSON would widen 100.7 to 100.69999694824219 -#}
            {%- set single_precision = (log.raw_types.get(column.name | lower) or '') | lower in ['float', 'real', 'float4'] %}
            "{{ column.name }}" := {{ 'cast(raw_' ~ column.name ~ ' as varchar)' if single_precision else 'raw_' ~ column.name }}{{ ',' if not loop.last }}
            {%- endfor %}
        )) end as raw_row
    from {{ cte }}
{%- endmacro %}

{#- The body of a quarantine model: the base rows with a quarantine_reason,
    every contract column as received under its contract name, and the reason. -#}
{% macro quarantined_rows(table_name, base_cte) -%}
    select
        {%- for column in oncall_analytics.staging_columns(table_name) %}
        {{ oncall_analytics.raw_value(column.name) }} as {{ column.name }},
        {%- endfor %}
        quarantine_reason
    from {{ base_cte }}
    where quarantine_reason is not null
{%- endmacro %}

{#- One contract column as received, read back from a base model's row
    (see select_keeping_raw_for_quarantine). -#}
{% macro raw_value(column) -%}
    {{ return(adapter.dispatch('raw_value', 'oncall_analytics')(column)) }}
{%- endmacro %}

{% macro default__raw_value(column) -%}
    raw_{{ column }}
{%- endmacro %}

{% macro duckdb__raw_value(column) -%}
    raw_row ->> '{{ column }}'
{%- endmacro %}
