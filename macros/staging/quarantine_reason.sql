{#- All reasons whose condition holds, joined with '; '; null for a clean row.
    `checks` is a list of [condition_sql, reason_text] pairs. -#}
{% macro quarantine_reason(checks) -%}
    nullif(concat_ws('; '
    {%- for condition, reason in checks %},
        case when {{ condition }} then {{ oncall_analytics.sql_literal(reason) }} end
    {%- endfor %}
    ), '')
{%- endmacro %}
