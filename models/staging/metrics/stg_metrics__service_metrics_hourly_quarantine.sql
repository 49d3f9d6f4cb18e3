-- Rejected metric rows, as received, with why they were rejected.
with base as (
    select * from {{ ref('base_metrics__service_metrics_hourly') }}
),

rejected as (
    select
        service_name_raw as service_name,
        metric_name_raw as metric_name,
        observed_at_raw as observed_at,
        value_raw as value,
        quarantine_reason
    from base
    where quarantine_reason is not null
)

select * from rejected
