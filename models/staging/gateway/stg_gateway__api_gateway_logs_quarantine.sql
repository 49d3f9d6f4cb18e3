-- Gateway requests staging refused, as received, with every reason.
with base as (
    select * from {{ ref('base_gateway__api_gateway_logs') }}
),

rejected as (
    {{ quarantined_rows('api_gateway_logs', 'base') }}
)

select * from rejected
