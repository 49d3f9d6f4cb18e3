-- Scenario 3: every function's 1-second windows with at least
-- burst_min_invocations invocations, with the error rate inside the window.
with per_second as (
    select * from {{ ref('int_function_invocations__per_second') }}
),

bursts as (
    select
        function_name,
        window_start_time,
        invocation_count,
        error_count,
        -- double arithmetic: a decimal literal would give a decimal on Spark
        round(cast(error_count as double) * 100 / invocation_count, 2) as error_rate_pct
    from per_second
    where is_burst
)

select * from bursts
