-- One trusted row per invocation, typed; rows that fail a check are in
-- stg_serverless__function_invocations_quarantine instead.
-- Incremental: reloads the last incremental_lookback_hours of start times.
-- The pre-hook removes ids that a later load turned untrustworthy (e.g. a
-- conflicting duplicate arrived), so an incremental run equals a full one.
{{
    config(
        materialized=row_level_incremental_materialization(),
        unique_key='invocation_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ incremental_drop_untrusted_keys('base_serverless__function_invocations', 'invocation_id') }}"
    )
}}

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
    where
        quarantine_reason is null
        and {{ incremental_lookback_filter('start_timestamp') }}
)

select * from clean
