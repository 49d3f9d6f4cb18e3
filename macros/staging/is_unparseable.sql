{#- True when the text is present but does not cast to `data_type`
    (an empty value is missing, not unparseable). -#}
{% macro is_unparseable(column, data_type) -%}
    ({{ oncall_analytics.clean_text(column) }} is not null
        and {{ oncall_analytics.try_cast(oncall_analytics.clean_text(column), data_type) }} is null)
{%- endmacro %}
