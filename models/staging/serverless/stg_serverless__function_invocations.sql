-- One trusted row per invocation, typed; rows that fail a check are in
-- stg_serverless__function_invocations_quarantine instead.
-- A view: the base model is the one (incremental) copy of the log.
with validated as (
    select * from {{ ref('base_serverless__function_invocations') }}
),

clean as (
    select
        invocation_id,
        function_name,
        version_id,
        start_timestamp,
        end_timestamp,
        duration_ms,
        memory_used_mb,
        status,
        status = 'ERROR' as is_error
    from validated
    where quarantine_reason is null
)

select * from clean
