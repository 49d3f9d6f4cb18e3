with base as (
    select * from {{ ref('base_gateway__product_metadata') }}
),

clean as (
    select
        request_id,
        product_id,
        product_category,
        customer_tier,
        subscription_type
    from base
    where quarantine_reason is null
)

select * from clean
