{#- Text of any column (typed external logs included), trimmed, with the empty
    string read as null, and so is `__HIVE_DEFAULT_PARTITION__`: the folder
    name Spark and Hive give a null partition value (`is_test_traffic=__HIVE_DEFAULT_PARTITION__/`),
    which DuckDB reads as that text. Trims only values that start or end with a space:
    trim() on every value of every column was the largest single cost of
    staging 10M-row logs (bench/README.md), and nullif(trim(x), '') computes it twice. -#}
{% macro clean_text(column) -%}
    {%- set text = 'cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')' -%}
    case
        when {{ text }} like ' %' or {{ text }} like '% ' then nullif(trim({{ text }}), '')
        when {{ text }} != '' and {{ text }} != {{ oncall_analytics.hive_null_partition() }} then {{ text }}
    end
{%- endmacro %}

{#- The text Spark and Hive write for a null partition value, as a SQL literal. -#}
{% macro hive_null_partition() -%}
    '__HIVE_DEFAULT_PARTITION__'
{%- endmacro %}
