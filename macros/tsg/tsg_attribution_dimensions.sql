{#- The dimensions the action plan attributes 5xx to, as (dimension, the import
    CTE of int_gateway__window_request_elements it is read from, its value, a
    condition): that model unpivots requests into them, and the plan tells a
    check's element of one of them that has no request since the incident start
    (no attribution row) from an element of a dimension a user's own check adds
    (tests/README "Add a check"), which nothing attributes. -#}
{% macro tsg_attribution_dimensions() -%}
    {{ return([
        ('service_version', 'requests', 'service_version', none),
        ('availability_zone', 'requests', 'availability_zone', none),
        ('partition', 'requests', 'partition_id', none),
        ('endpoint', 'requests', oncall_analytics.tsg_endpoint_label('http_method', 'endpoint_path'), none),
        ('error', 'requests', oncall_analytics.tsg_error_label('exception_type', 'service_component'), 'is_server_error'),
        ('dependency', 'requests', 'dependency_name', 'is_server_error'),
        ('feature_flag', 'flags', 'flag_label', none),
        ('customer_tier', 'products', 'customer_tier', none),
        ('product', 'products', 'product_id', none),
    ]) }}
{%- endmacro %}

{#- The names of tsg_attribution_dimensions as a SQL list of literals, for `in (...)`. -#}
{% macro tsg_attributed_dimension_list() -%}
    {%- set names = [] -%}
    {%- for dimension in oncall_analytics.tsg_attribution_dimensions() -%}{%- do names.append("'" ~ dimension[0] ~ "'") -%}{%- endfor -%}
    {{ return(names | join(', ')) }}
{%- endmacro %}
