{#- Text of any column (typed external logs included), trimmed, with the empty
    string read as null. Trims only values that start or end with a space:
    trim() on every value of every column was the largest single cost of
    staging 10M-row logs (bench/README.md), and nullif(trim(x), '') computes it twice. -#}
{% macro clean_text(column) -%}
    {%- set text = 'cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')' -%}
    case
        when {{ text }} like ' %' or {{ text }} like '% ' then nullif(trim({{ text }}), '')
        when {{ text }} != '' then {{ text }}
    end
{%- endmacro %}
