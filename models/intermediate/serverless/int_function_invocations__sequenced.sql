-- Each function's invocations in start order (ties by invocation_id), with
-- the gap since the previous invocation ended: the one place that decides
-- what "chained" means, shared by chained_invocations and invocation_chains.
with invocations as (
    select * from {{ ref('stg_serverless__function_invocations') }}
),

with_previous as (
    select
        function_name,
        invocation_id,
        version_id,
        start_timestamp,
        end_timestamp,
        is_error,
        row_number() over (
            partition by function_name order by start_timestamp, invocation_id
        ) as sequence_number,
        lag(invocation_id) over (
            partition by function_name order by start_timestamp, invocation_id
        ) as previous_invocation_id,
        lag(end_timestamp) over (
            partition by function_name order by start_timestamp, invocation_id
        ) as previous_end_timestamp
    from invocations
),

gaps as (
    select
        *,
        {{ timestamp_diff_us('previous_end_timestamp', 'start_timestamp') }} as gap_us
    from with_previous
),

flagged as (
    select
        *,
        coalesce(
            gap_us between 0 and {{ var_integer('chain_max_gap_us', 0) }},
            false
        ) as is_chained_to_previous
    from gaps
)

select * from flagged
