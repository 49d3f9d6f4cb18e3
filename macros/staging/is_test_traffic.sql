{#- The one place that decides whether a row is test traffic: only an explicit
    true counts; empty (and false) mean real traffic, as the contract says. -#}
{% macro is_test_traffic(column) -%}
    coalesce({{ oncall_analytics.normalise_boolean(column) }}, false)
{%- endmacro %}
