{#- The window's in-scope requests (the baseline and the incident period)
    unpivoted into the elements the action plan attributes 5xx to: one row
    per (request, dimension, value). A request has one value per dimension,
    except feature_flag (one per flag it carries) and error (5xx only). -#}
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
    select
        request_id,
        requested_at,
        is_incident_period,
        is_server_error,
        'service_version' as dimension,
        service_version as dimension_value
    from requests
    union all
    select
        request_id,
        requested_at,
        is_incident_period,
        is_server_error,
        'availability_zone',
        availability_zone
    from requests
    union all
    select
        request_id,
        requested_at,
        is_incident_period,
        is_server_error,
        'partition',
        partition_id
    from requests
    union all
    select
        request_id,
        requested_at,
        is_incident_period,
        is_server_error,
        'endpoint',
        {{ tsg_endpoint_label('http_method', 'endpoint_path') }}
    from requests
    union all
    select
        request_id,
        requested_at,
        is_incident_period,
        is_server_error,
        'error',
        {{ tsg_error_label('exception_type', 'service_component') }}
    from requests
    where is_server_error
    union all
    select
        request_id,
        requested_at,
        is_incident_period,
        is_server_error,
        'feature_flag',
        flag_label
    from flags
    union all
    select
        request_id,
        requested_at,
        is_incident_period,
        is_server_error,
        'customer_tier',
        customer_tier
    from products
    union all
    select
        request_id,
        requested_at,
        is_incident_period,
        is_server_error,
        'product',
        product_id
    from products
),

known_values as (
    select * from elements
    where dimension_value is not null
)

select * from known_values
