-- Scenario 3's objective: do bursts raise the error rate? Per function, the
-- error rate of invocations in burst seconds against all other invocations,
-- and a verdict that holds with burst_confidence_pct confidence (Newcombe's
-- bounds on the difference of two proportions): 1.09 % against 0.92 % is no
-- difference.
{% set z = var_confidence_z('burst_confidence_pct') %}

with per_second as (
    select * from {{ ref('int_function_invocations__per_second') }}
),

split as (
    select
        function_name,
        cast(sum(case when is_burst then 1 else 0 end) as bigint) as burst_seconds,
        cast(sum(case when is_burst then invocation_count else 0 end) as bigint) as burst_invocations,
        cast(sum(case when is_burst then error_count else 0 end) as bigint) as burst_errors,
        cast(sum(case when is_burst then 0 else 1 end) as bigint) as other_seconds,
        cast(sum(case when is_burst then 0 else invocation_count end) as bigint) as other_invocations,
        cast(sum(case when is_burst then 0 else error_count end) as bigint) as other_errors
    from per_second
    group by function_name
),

rates as (
    select
        *,
        -- double arithmetic: a decimal literal would give a decimal on Spark
        cast(burst_errors as double) * 100 / nullif(burst_invocations, 0) as burst_error_rate,
        cast(other_errors as double) * 100 / nullif(other_invocations, 0) as other_error_rate
    from split
),

bounded as (
    select
        *,
        case
            when burst_invocations > 0 and other_invocations > 0
                then 100 * ({{ proportion_difference_bound('burst_errors', 'burst_invocations', 'other_errors', 'other_invocations', z, 'lower') }})
        end as difference_lower_bound,
        case
            when burst_invocations > 0 and other_invocations > 0
                then 100 * ({{ proportion_difference_bound('burst_errors', 'burst_invocations', 'other_errors', 'other_invocations', z, 'upper') }})
        end as difference_upper_bound
    from rates
),

compared as (
    select
        function_name,
        burst_seconds,
        burst_invocations,
        burst_errors,
        round(burst_error_rate, 2) as burst_error_rate_pct,
        other_seconds,
        other_invocations,
        other_errors,
        round(other_error_rate, 2) as other_error_rate_pct,
        round(burst_error_rate - other_error_rate, 2) as error_rate_difference_pct,
        round(burst_error_rate / nullif(other_error_rate, 0), 2) as error_rate_ratio,
        round(difference_lower_bound, 2) as error_rate_difference_lower_bound_pct,
        round(difference_upper_bound, 2) as error_rate_difference_upper_bound_pct,
        case
            when burst_invocations = 0 then 'NO_BURSTS'
            when other_invocations = 0 then 'ONLY_BURSTS'
            when difference_lower_bound > 0 then 'HIGHER_IN_BURSTS'
            when difference_upper_bound < 0 then 'LOWER_IN_BURSTS'
            else 'NO_DIFFERENCE'
        end as burst_error_effect
    from bounded
)

select * from compared
