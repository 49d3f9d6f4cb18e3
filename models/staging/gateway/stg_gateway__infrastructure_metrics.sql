with base as (
    select * from {{ ref('base_gateway__infrastructure_metrics') }}
),

clean as (
    select
        instance_id,
        sampled_at,
        cpu_utilization,
        memory_utilization,
        concurrent_connections
    from base
    where quarantine_reason is null
)

select * from clean
