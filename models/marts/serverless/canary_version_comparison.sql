-- Scenario 1: each version of the canary function side by side with the
-- baseline (the lowest version seen in the window), and a verdict.
{% set min_invocations = var_integer('canary_min_invocations', 1) %}

with in_window as (
    select * from {{ ref('int_function_invocations__canary_window') }}
),

per_version as (
    select
        function_name,
        version_id,
        count(*) as total_invocations,
        cast(sum(case when is_error then 1 else 0 end) as bigint) as error_count,
        100 * avg(case when is_error then 1 else 0 end) as error_rate,  -- a double on every engine
        avg(duration_ms) as avg_duration,
        avg(memory_used_mb) as avg_memory,
        {{ percentile_cont('duration_ms', 0.95) }} as p95_duration
    from in_window
    group by function_name, version_id
),

baseline as (
    select
        version_id as baseline_version_id,
        total_invocations as baseline_invocations,
        error_rate as baseline_error_rate,
        avg_duration as baseline_avg_duration,
        avg_memory as baseline_avg_memory,
        p95_duration as baseline_p95_duration
    -- the subquery below reads the same CTE on purpose (its lowest version)
    from per_version  -- noqa: AL04
    where version_id = (select min(version_id) from per_version)
),

side_by_side as (
    select
        per_version.*,
        baseline.*,
        per_version.error_rate - baseline.baseline_error_rate as error_rate_delta,
        per_version.p95_duration / nullif(baseline.baseline_p95_duration, 0) as p95_duration_ratio
    from per_version
    cross join baseline
),

judged as (
    select
        *,
        case
            when version_id = baseline_version_id then 'BASELINE'
            when
                total_invocations < {{ min_invocations }}
                or baseline_invocations < {{ min_invocations }} then 'INSUFFICIENT_SAMPLE'
            when error_rate_delta > {{ var_number('canary_max_error_rate_increase_pct', 0, 100) }} then 'ROLLBACK'
            when p95_duration_ratio > {{ var_number('canary_max_p95_duration_ratio', 1) }} then 'ROLLBACK'
            else 'PROMOTE'
        end as verdict
    from side_by_side
),

explained as (
    select
        *,
        case verdict
            when 'BASELINE' then 'reference version: the lowest version_id in the window'
            when 'INSUFFICIENT_SAMPLE'
                then
                    'too few invocations to judge ('
                    || cast(total_invocations as {{ dbt.type_string() }}) || ' canary, '
                    || cast(baseline_invocations as {{ dbt.type_string() }}) || ' baseline; need '
                    || '{{ min_invocations }} each): keep the canary running'
            when 'ROLLBACK'
                then case
                    when error_rate_delta > {{ var_number('canary_max_error_rate_increase_pct', 0, 100) }}
                        then
                            'error rate ' || cast(round(error_rate_delta, 2) as {{ dbt.type_string() }})
                            || ' points above the baseline: roll back'
                    else
                        'p95 duration ' || cast(round(p95_duration_ratio, 2) as {{ dbt.type_string() }})
                        || 'x the baseline: roll back'
                end
            else 'error rate and p95 duration within limits of the baseline: promote'
        end as verdict_reason
    from judged
),

final as (
    select
        function_name,
        version_id,
        total_invocations,
        error_count,
        round(error_rate, 2) as error_rate_pct,
        round(avg_duration, 2) as avg_duration_ms,
        round(avg_memory, 2) as avg_memory_used_mb,
        round(p95_duration, 2) as p95_duration_ms,
        baseline_version_id,
        round(error_rate_delta, 2) as error_rate_delta_pct,
        round(avg_duration - baseline_avg_duration, 2) as avg_duration_delta_ms,
        round(avg_memory - baseline_avg_memory, 2) as avg_memory_delta_mb,
        round(p95_duration_ratio, 2) as p95_duration_ratio,
        verdict,
        verdict_reason
    from explained
)

select * from final
