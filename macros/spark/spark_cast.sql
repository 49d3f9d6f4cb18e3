{#- dbt's cast() on Spark, with the project's type spellings translated:
    contracts declare `varchar` columns, and dbt checks a contract by casting
    null to each declared type. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ oncall_analytics.spark_data_type(type) }})
{%- endmacro %}
