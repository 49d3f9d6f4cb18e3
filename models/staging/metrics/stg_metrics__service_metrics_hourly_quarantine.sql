-- Rejected metric rows, as received, with why they were rejected.
with base as (
    select * from {{ ref('base_metrics__service_metrics_hourly') }}
),

rejected as (
    {{ quarantined_rows('service_metrics_hourly', 'base') }}
)

select * from rejected
