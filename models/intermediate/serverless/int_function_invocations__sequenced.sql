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
        ) as previous_end_timestamp,
        lead(start_timestamp) over (
            partition by function_name order by start_timestamp, invocation_id
        ) as next_start_timestamp
    from invocations
),

gaps as (
    select
        *,
        {{ timestamp_diff_us('previous_end_timestamp', 'start_timestamp') }} as gap_us,
        {{ timestamp_diff_us('end_timestamp', 'next_start_timestamp') }} as next_gap_us
    from with_previous
),

flagged as (
    select
        function_name,
        invocation_id,
        version_id,
        start_timestamp,
        end_timestamp,
        is_error,
        sequence_number,
        previous_invocation_id,
        previous_end_timestamp,
        gap_us,
        coalesce(
            gap_us between 0 and {{ var_integer('chain_max_gap_us', 0) }},
            false
        ) as is_chained_to_previous,
        {#- the next invocation's link to this one, by the same rule: rows in no
            chain have both false, so the chain mart can skip them -#}
        coalesce(
            next_gap_us between 0 and {{ var_integer('chain_max_gap_us', 0) }},
            false
        ) as is_chained_to_next
    from gaps
)

select * from flagged
