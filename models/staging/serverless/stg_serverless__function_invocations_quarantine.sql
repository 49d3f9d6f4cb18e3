-- Raw invocation rows that staging refused, as received, with the reason.
with validated as (
    select * from {{ ref('base_serverless__function_invocations') }}
),

rejected as (
    select
        invocation_id,
        function_name,
        version_id_text as version_id,
        start_timestamp_text as start_timestamp,
        end_timestamp_text as end_timestamp,
        duration_ms_text as duration_ms,
        memory_used_mb_text as memory_used_mb,
        status,
        quarantine_reason
    from validated
    where quarantine_reason is not null
)

select * from rejected
