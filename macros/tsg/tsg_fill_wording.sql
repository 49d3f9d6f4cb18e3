{#- A wording template with each `{name}` of `placeholders` (a dict of
    name -> SQL expression) replaced by the expression's value; a null value
    reads '?', as elsewhere in the plan's evidence. -#}
{% macro tsg_fill_wording(template, placeholders) -%}
    {%- set filled = namespace(sql=template) -%}
    {%- for name, expression in placeholders.items() -%}
        {%- set filled.sql = 'replace(' ~ filled.sql ~ ", '{" ~ name ~ "}', coalesce(" ~ expression ~ ", '?'))" -%}
    {%- endfor -%}
    {{ filled.sql }}
{%- endmacro %}
