with base as (
    select * from {{ ref('base_gateway__workflow_tracking') }}
),

rejected as (
    {{ quarantined_rows('workflow_tracking', 'base') }}
)

select * from rejected
