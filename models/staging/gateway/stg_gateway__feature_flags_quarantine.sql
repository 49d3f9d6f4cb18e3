with base as (
    select * from {{ ref('base_gateway__feature_flags') }}
),

rejected as (
    {{ quarantined_rows('feature_flags', 'base') }}
)

select * from rejected
