{#- Display values shared by the checks and the action plan, so a check's row
    and the plan's attribution meet on the same dimension_value. -#}

{#- 'flag_name=flag_value' -#}
{% macro tsg_flag_label(flag_name, flag_value) -%}
    ({{ flag_name }} || '=' || {{ flag_value }})
{%- endmacro %}

{#- 'METHOD /path' -#}
{% macro tsg_endpoint_label(http_method, endpoint_path) -%}
    ({{ http_method }} || ' ' || {{ endpoint_path }})
{%- endmacro %}

{#- 'ExceptionType in component'; the exception alone without a component, 'unknown exception' without one. -#}
{% macro tsg_error_label(exception_type, service_component) -%}
    (coalesce({{ exception_type }}, 'unknown exception') || coalesce(' in ' || {{ service_component }}, ''))
{%- endmacro %}
