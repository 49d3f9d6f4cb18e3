{#- Text of any column (typed external logs included), trimmed, with the empty
    string read as null. -#}
{% macro clean_text(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}
