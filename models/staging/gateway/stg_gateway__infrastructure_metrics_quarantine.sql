with base as (
    select * from {{ ref('base_gateway__infrastructure_metrics') }}
),

rejected as (
    {{ quarantined_rows('infrastructure_metrics', 'base') }}
)

select * from rejected
