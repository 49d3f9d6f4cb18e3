{#- A number rounded to `decimals` for the prose of the troubleshooting
    guide's evidence, as text: the shortest decimal form of the rounded
    value, at least one decimal (99.7, 100.0, 0.25, 0.0001), the same text on
    every engine (the Spark checks compare the plan's text with DuckDB's). -#}
{% macro tsg_format_number(expr, decimals=1) -%}
    {{ return(adapter.dispatch('tsg_format_number', 'oncall_analytics')(expr, decimals)) }}
{%- endmacro %}

{#- Spark SQL: a double prints in scientific notation below 0.001 (1.0E-4)
    and a decimal keeps its trailing zeros (0.250), so the rounded double goes
    through a decimal of `decimals` places and loses its trailing zeros. -#}
{% macro default__tsg_format_number(expr, decimals) -%}
    regexp_replace(
        regexp_replace(
            cast(cast(round(cast({{ expr }} as double), {{ decimals }}) as decimal(38, {{ decimals }})) as string),
            '([.][0-9]*[1-9])0+$', '$1'
        ),
        '[.]0+$', '.0'
    )
{%- endmacro %}

{#- DuckDB prints a double in its shortest decimal form. -#}
{% macro duckdb__tsg_format_number(expr, decimals) -%}
    cast(round({{ expr }}, {{ decimals }}) as varchar)
{%- endmacro %}
