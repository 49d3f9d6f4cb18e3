{#- A string var that must be one of `allowed` (compared as written),
    returned as a quoted SQL literal. -#}
{% macro var_one_of(name, allowed) -%}
    {%- set value = oncall_analytics.required_var(name) -%}
    {%- if value is not string or (value | trim) not in allowed -%}
        {{ oncall_analytics._var_error(name, value, "one of " ~ (allowed | join(", "))) }}
    {%- endif -%}
    {{ return(oncall_analytics.sql_literal(value | trim)) }}
{%- endmacro %}
