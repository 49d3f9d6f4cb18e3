{#- The window's in-scope requests (the baseline and the incident period)
    unpivoted into the elements the action plan attributes 5xx to: one row
    per (request, dimension, value). A request has one value per dimension,
    except feature_flag (one per flag it carries), and error and dependency
    (the dependency a request failed in): 5xx only. -#}
{#- (dimension, the import CTE it is read from, its value, a condition) -#}
{%- set dimensions = tsg_attribution_dimensions() -%}

with requests as (
    select * from {{ ref('int_gateway__requests_in_scope') }}
),

flags as (
    select * from {{ ref('int_gateway__request_flags_in_scope') }}
),

products as (
    select * from {{ ref('int_gateway__request_products_in_scope') }}
),

elements as (
    {%- for dimension, source, value, condition in dimensions %}
        select
            request_id,
            requested_at,
            is_incident_period,
            is_server_error,
            '{{ dimension }}' as dimension,
            {{ value }} as dimension_value
        from {{ source }}
        {%- if condition %}
            where {{ condition }}
        {%- endif %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

known_values as (
    select * from elements
    where dimension_value is not null
)

select * from known_values
