-- Clean metrics at their native resolution: one row per service, metric and time.
with base as (
    select * from {{ ref('base_metrics__service_metrics') }}
),

clean as (
    select
        service_name,
        metric_name,
        observed_at,
        value
    from base
    where quarantine_reason is null
)

select * from clean
