{#- True when the text is present but does not cast to `data_type`
    (an empty value is missing, not unparseable). Given `typed_column`, the
    model's own try_cast of the same text, the cast is not repeated: the
    text is only looked at where the typed value is null (rare), which at
    log scale is most of what staging costs (bench/). -#}
{% macro is_unparseable(column, data_type, typed_column=none) -%}
    {%- if typed_column is none -%}
    ({{ oncall_analytics.clean_text(column) }} is not null
        and {{ oncall_analytics.try_cast(oncall_analytics.clean_text(column), data_type) }} is null)
    {%- else -%}
    {#- a CASE, so the text is only cast where the typed value is null -#}
    (case when {{ typed_column }} is null then {{ oncall_analytics.clean_text(column) }} is not null else false end)
    {%- endif -%}
{%- endmacro %}

{#- True when the text is empty or absent; with `typed_column` (the model's
    try_cast of it) the text is only looked at where that is null. -#}
{% macro is_missing(column, typed_column=none) -%}
    {%- if typed_column is none -%}
    ({{ oncall_analytics.clean_text(column) }} is null)
    {%- else -%}
    (case when {{ typed_column }} is null then {{ oncall_analytics.clean_text(column) }} is null else false end)
    {%- endif -%}
{%- endmacro %}
