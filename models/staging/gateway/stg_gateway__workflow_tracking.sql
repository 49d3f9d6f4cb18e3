with base as (
    select * from {{ ref('base_gateway__workflow_tracking') }}
),

clean as (
    select
        correlation_id,
        workflow_id,
        scenario_name,
        workflow_step,
        workflow_status,
        business_criticality,
        total_workflow_time_ms,
        retry_attempts,
        user_id,
        has_compensation,
        step_at,
        region,
        environment,
        is_test_traffic
    from base
    where quarantine_reason is null
)

select * from clean
