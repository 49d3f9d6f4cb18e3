{#-
  Long format for the detector: one row per service, metric and hour from a
  CTE with one column per metric. `metric_columns` lists those columns; each
  becomes a metric_name with its value cast to double.
-#}
{% macro unpivot_metrics(cte_name, metric_columns) -%}
    {%- for column in metric_columns %}
    select
        service_name,
        '{{ column }}' as metric_name,
        observed_at,
        cast({{ column }} as double) as value
    from {{ cte_name }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
