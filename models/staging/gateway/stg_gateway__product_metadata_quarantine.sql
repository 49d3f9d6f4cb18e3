with base as (
    select * from {{ ref('base_gateway__product_metadata') }}
),

rejected as (
    {{ quarantined_rows('product_metadata', 'base') }}
)

select * from rejected
