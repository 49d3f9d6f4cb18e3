{#- In-scope requests with their product and customer (requests without
    product metadata are left out, as in the guide's inner join). -#}
with requests as (
    select * from {{ ref('int_gateway__requests_in_scope') }}
),

products as (
    select * from {{ ref('stg_gateway__product_metadata') }}
),

requests_with_products as (
    select
        products.product_id,
        products.product_category,
        products.customer_tier,
        products.subscription_type,
        requests.*
    from requests
    inner join products
        on requests.request_id = products.request_id
)

select * from requests_with_products
