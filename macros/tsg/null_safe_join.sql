{#- Join condition matching `left_alias` and `right_alias` on every column of
    `columns`, null matching null (group keys such as a missing datacenter are
    null and must still find their own group). Portable SQL. -#}
{% macro null_safe_join(left_alias, right_alias, columns) -%}
    {%- for column in columns %}
    {{ "and " if not loop.first }}({{ left_alias }}.{{ column }} = {{ right_alias }}.{{ column }}
        or ({{ left_alias }}.{{ column }} is null and {{ right_alias }}.{{ column }} is null))
    {%- endfor %}
{%- endmacro %}
