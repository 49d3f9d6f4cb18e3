{#- dbt.listagg on Spark, keeping the order: dbt-spark's own version drops
    `order_by_clause` (with a warning), so the joined text would come out in
    whatever order the rows were collected. Spark 4.0+ has an ordered
    LISTAGG ... WITHIN GROUP. With `limit_num`, dbt-spark's version is used. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ return(dbt.spark__listagg(measure, delimiter_text, order_by_clause, limit_num)) }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}
