{#-
  Render a Python/Jinja value as a SQL string literal that cannot break out of
  its quotes: the only way user input (vars) reaches SQL text in this project.
  DuckDB and the ANSI default double the single quote; Spark SQL also treats
  the backslash as an escape character, so both are escaped there.
-#}
{% macro sql_literal(value) -%}
    {{ return(adapter.dispatch('sql_literal', 'oncall_analytics')(value)) }}
{%- endmacro %}

{% macro default__sql_literal(value) -%}
    {{ return("'" ~ (value | string).replace("'", "''") ~ "'") }}
{%- endmacro %}

{% macro spark__sql_literal(value) -%}
    {{ return("'" ~ (value | string).replace("\\", "\\\\").replace("'", "\\'") ~ "'") }}
{%- endmacro %}
