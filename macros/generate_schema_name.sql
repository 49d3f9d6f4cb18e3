{#- Use a model's custom schema as-is (`marts`, not `main_marts`) so analysts
    query `marts.canary_version_comparison` whatever the target's schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
