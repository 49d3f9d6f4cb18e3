{#- A column type declared in the project's YAML (seed column_types, model
    contracts), spelled for Spark SQL: `varchar` without a length, DuckDB's
    text type, is `string`; every other type is spelled alike on both. -#}
{% macro spark_data_type(data_type) -%}
    {%- if (data_type | string | lower | trim) in ('varchar', 'text') -%}
        {{ return('string') }}
    {%- else -%}
        {{ return(data_type) }}
    {%- endif -%}
{%- endmacro %}
