-- Invocations and errors per function and 1-second window (start truncated to
-- the second); only seconds with at least one invocation exist.
with invocations as (
    select * from {{ ref('stg_serverless__function_invocations') }}
),

bucketed as (
    select
        function_name,
        {{ dbt.date_trunc('second', 'start_timestamp') }} as window_start_time,
        is_error
    from invocations
),

per_second as (
    select
        function_name,
        window_start_time,
        count(*) as invocation_count,
        cast(sum(case when is_error then 1 else 0 end) as bigint) as error_count
    from bucketed
    group by function_name, window_start_time
),

flagged as (
    select
        *,
        invocation_count >= {{ var_integer('burst_min_invocations', 1) }} as is_burst
    from per_second
)

select * from flagged
