-- Rejected metric samples, as received, with why they were rejected.
with base as (
    select * from {{ ref('base_metrics__service_metrics') }}
),

rejected as (
    {{ quarantined_rows('service_metrics', 'base') }}
)

select * from rejected
