with base as (
    select * from {{ ref('base_gateway__feature_flags') }}
),

clean as (
    select
        request_id,
        flag_name,
        flag_value
    from base
    where quarantine_reason is null
)

select * from clean
