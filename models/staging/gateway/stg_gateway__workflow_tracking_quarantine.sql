with base as (
    select * from {{ ref('base_gateway__workflow_tracking') }}
),

rejected as (
    {{ gateway_quarantined_rows('workflow_tracking', 'base') }}
)

select * from rejected
