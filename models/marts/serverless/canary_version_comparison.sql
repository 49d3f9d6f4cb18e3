-- Scenario 1: each version of the canary function side by side with the
-- baseline, and a verdict. The baseline is the lowest version with
-- canary_min_invocations in the window (the lowest of all if none has), so a
-- few invocations of an older version still draining do not become the
-- reference. The error rate decides with canary_confidence_pct confidence
-- (Newcombe's bounds on the difference of two proportions): ROLLBACK when it
-- is above the limit for certain at that level (one error among 40 is no
-- evidence), PROMOTE only when it is within the limit at that level (a
-- clean canary of 30 invocations could still be 5 points worse). So does the
-- p95 duration, by Mood's quantile test: pooled with the baseline's durations
-- times canary_max_p95_duration_ratio, a version whose p95 is above that
-- multiple holds more of the pool's slowest 5 % than the scaled baseline
-- (ROLLBACK when so at that confidence, PROMOTE only when it holds less).
-- The two p95s as measured rolled back an unchanged canary in 17 to 31 % of
-- windows of 30 invocations each.
{% set min_invocations = var_integer('canary_min_invocations', 1) %}
{% set max_increase_pct = var_number('canary_max_error_rate_increase_pct', 0, 100) %}
{% set z = var_confidence_z('canary_confidence_pct') %}
{% set confidence_pct = var('canary_confidence_pct') | string | trim %}
{% set max_p95_ratio = var_number('canary_max_p95_duration_ratio', 1) %}
{% set tail_quantile = 0.95 %}
{#- the p95 test in words, for the reasons below -#}
{%- set tail_words -%}
    'p95 duration ' || case
        when p95_duration_ratio is null
            then cast(round(p95_duration, 2) as {{ dbt.type_string() }}) || ' ms against the baseline''s 0 ms'
        else cast(round(p95_duration_ratio, 2) as {{ dbt.type_string() }}) || 'x the baseline''s'
    end
    || ': ' || cast(round(tail_share, 2) as {{ dbt.type_string() }}) || ' % of its invocations at or above '
    || cast(round(pooled_p95_duration, 2) as {{ dbt.type_string() }}) || ' ms (the p95 of its durations and the '
    || 'baseline''s times {{ max_p95_ratio }}), against ' || cast(round(baseline_tail_share, 2) as {{ dbt.type_string() }})
    || ' % of the baseline''s'
{%- endset %}

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
        {{ percentile_cont('duration_ms', tail_quantile) }} as p95_duration
    from in_window
    group by function_name, version_id
),

baseline_choice as (
    select
        -- the lowest version with enough invocations to judge by, else the lowest
        coalesce(
            min(case when total_invocations >= {{ min_invocations }} then version_id end),
            min(version_id)
        ) as baseline_version_id
    from per_version
),

baseline as (
    select
        per_version.version_id as baseline_version_id,
        per_version.total_invocations as baseline_invocations,
        per_version.error_count as baseline_error_count,
        per_version.error_rate as baseline_error_rate,
        per_version.avg_duration as baseline_avg_duration,
        per_version.avg_memory as baseline_avg_memory,
        per_version.p95_duration as baseline_p95_duration
    from per_version
    inner join baseline_choice
        on per_version.version_id = baseline_choice.baseline_version_id
),

pooled as (
    -- each version's durations beside the baseline's times the ratio (duration_ms may be null: not reported)
    select
        version_id,
        duration_ms,
        true as is_own
    from in_window
    where duration_ms is not null
    union all
    select
        per_version.version_id,
        {{ max_p95_ratio }} * in_window.duration_ms as duration_ms,
        false as is_own
    from per_version
    cross join in_window
    inner join baseline_choice
        on in_window.version_id = baseline_choice.baseline_version_id
    where per_version.p95_duration is not null and in_window.duration_ms is not null
),

pooled_p95 as (
    select
        version_id,
        {{ percentile_cont('duration_ms', tail_quantile) }} as pooled_p95_duration
    from pooled
    group by version_id
),

pooled_tail as (
    -- at or above the pool's p95: a canary at 5000 ms against a baseline at 0 ms holds the whole tail
    select
        pooled.version_id,
        pooled_p95.pooled_p95_duration,
        cast(sum(case when pooled.is_own and pooled.duration_ms >= pooled_p95.pooled_p95_duration then 1 else 0 end) as bigint)
            as tail_count,
        cast(sum(case when pooled.is_own then 1 else 0 end) as bigint) as timed_count,
        cast(sum(case when not pooled.is_own and pooled.duration_ms >= pooled_p95.pooled_p95_duration then 1 else 0 end) as bigint)
            as baseline_tail_count,
        cast(sum(case when pooled.is_own then 0 else 1 end) as bigint) as baseline_timed_count
    from pooled
    inner join pooled_p95
        on pooled.version_id = pooled_p95.version_id
    group by pooled.version_id, pooled_p95.pooled_p95_duration
),

side_by_side as (
    select
        per_version.*,
        baseline.*,
        per_version.error_rate - baseline.baseline_error_rate as error_rate_delta,
        -- in points, as error_rate_delta: the increase this version's error rate has at least, with that confidence
        100 * ({{ proportion_difference_bound('per_version.error_count', 'per_version.total_invocations',
            'baseline.baseline_error_count', 'baseline.baseline_invocations', z, 'lower') }}) as error_rate_delta_lower,
        -- and at most
        100 * ({{ proportion_difference_bound('per_version.error_count', 'per_version.total_invocations',
            'baseline.baseline_error_count', 'baseline.baseline_invocations', z, 'upper') }}) as error_rate_delta_upper,
        per_version.p95_duration / nullif(baseline.baseline_p95_duration, 0) as p95_duration_ratio,
        pooled_tail.pooled_p95_duration,
        -- shares of the pool's tail, in percent of each side's durations (null when the baseline reports none)
        100 * cast(pooled_tail.tail_count as double) / pooled_tail.timed_count as tail_share,
        100 * cast(pooled_tail.baseline_tail_count as double) / nullif(pooled_tail.baseline_timed_count, 0) as baseline_tail_share,
        -- in points: how much more of the tail this version holds at least, and at most, with that confidence
        100 * ({{ proportion_difference_bound('pooled_tail.tail_count', 'pooled_tail.timed_count',
            'pooled_tail.baseline_tail_count', 'nullif(pooled_tail.baseline_timed_count, 0)', z, 'lower') }}) as tail_share_delta_lower,
        100 * ({{ proportion_difference_bound('pooled_tail.tail_count', 'pooled_tail.timed_count',
            'pooled_tail.baseline_tail_count', 'nullif(pooled_tail.baseline_timed_count, 0)', z, 'upper') }}) as tail_share_delta_upper
    from per_version
    cross join baseline
    left join pooled_tail
        on per_version.version_id = pooled_tail.version_id
),

judged as (
    select
        *,
        case
            when version_id = baseline_version_id then 'BASELINE'
            -- errors above the limit with confidence: no sample size to wait for
            when error_rate_delta_lower > {{ max_increase_pct }} then 'ROLLBACK'
            when
                total_invocations < {{ min_invocations }}
                or baseline_invocations < {{ min_invocations }} then 'INSUFFICIENT_SAMPLE'
            -- p95 above the limit with confidence (a baseline p95 of 0 ms has no ratio, and its canary at
            -- 5000 ms was once promoted: independent re-implementation)
            when tail_share_delta_lower > 0 then 'ROLLBACK'
            -- no duration reported on a side: its latency cannot be judged, so not promoted
            when p95_duration is null or baseline_p95_duration is null then 'INSUFFICIENT_SAMPLE'
            -- not yet within the limits with confidence (above them, or too few invocations to tell): keep running
            when error_rate_delta_upper > {{ max_increase_pct }} then 'INSUFFICIENT_SAMPLE'
            when tail_share_delta_upper > 0 then 'INSUFFICIENT_SAMPLE'
            else 'PROMOTE'
        end as verdict
    from side_by_side
),

explained as (
    select
        *,
        case verdict
            when 'BASELINE'
                then
                    'reference version: the lowest version_id with at least {{ min_invocations }} '
                    || 'invocations in the window (the lowest of all if none has)'
            when 'INSUFFICIENT_SAMPLE'
                then case
                    when total_invocations < {{ min_invocations }} or baseline_invocations < {{ min_invocations }}
                        then
                            'too few invocations to judge ('
                            || cast(total_invocations as {{ dbt.type_string() }}) || ' of this version, '
                            || cast(baseline_invocations as {{ dbt.type_string() }}) || ' of the baseline; need '
                            || '{{ min_invocations }} each): keep the canary running'
                    when p95_duration is null or baseline_p95_duration is null
                        then
                            'no duration reported by ' || case when p95_duration is null then 'this version' else 'the baseline' end
                            || ', so the p95 duration cannot be compared: keep the canary running'
                    when error_rate_delta_upper > {{ max_increase_pct }}
                        then
                            'error rate ' || cast(round(error_rate_delta, 2) as {{ dbt.type_string() }})
                            || ' points from the baseline, between '
                            || cast(round(error_rate_delta_lower, 2) as {{ dbt.type_string() }}) || ' and '
                            || cast(round(error_rate_delta_upper, 2) as {{ dbt.type_string() }})
                            || ' at {{ confidence_pct }} % confidence, not yet within the limit of {{ max_increase_pct }}'
                            || ': keep the canary running'
                    else
                        {{ tail_words }}
                        || ', between ' || cast(round(tail_share_delta_lower, 2) as {{ dbt.type_string() }})
                        || ' and ' || cast(round(tail_share_delta_upper, 2) as {{ dbt.type_string() }})
                        || ' points more at {{ confidence_pct }} % confidence, not yet fewer: keep the canary running'
                end
            when 'ROLLBACK'
                then case
                    when error_rate_delta_lower > {{ max_increase_pct }}
                        then
                            'error rate ' || cast(round(error_rate_delta, 2) as {{ dbt.type_string() }})
                            || ' points above the baseline (at least '
                            || cast(round(error_rate_delta_lower, 2) as {{ dbt.type_string() }})
                            || ' at {{ confidence_pct }} % confidence): roll back'
                    else
                        {{ tail_words }}
                        || ', at least ' || cast(round(tail_share_delta_lower, 2) as {{ dbt.type_string() }})
                        || ' points more at {{ confidence_pct }} % confidence: roll back'
                end
            else
                'error rate at most '
                || cast(round(error_rate_delta_upper, 2) as {{ dbt.type_string() }})
                || ' points above the baseline, and p95 duration within {{ max_p95_ratio }}x the baseline''s ('
                || cast(round(tail_share, 2) as {{ dbt.type_string() }}) || ' % of its invocations at or above '
                || cast(round(pooled_p95_duration, 2) as {{ dbt.type_string() }}) || ' ms, the p95 of its durations and the '
                || 'baseline''s times {{ max_p95_ratio }}, at least ' || cast(round(-tail_share_delta_upper, 2) as {{ dbt.type_string() }})
                || ' points fewer than the baseline''s), at {{ confidence_pct }} % confidence: promote'
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
        round(error_rate_delta_lower, 2) as error_rate_delta_lower_bound_pct,
        round(error_rate_delta_upper, 2) as error_rate_delta_upper_bound_pct,
        round(avg_duration - baseline_avg_duration, 2) as avg_duration_delta_ms,
        round(avg_memory - baseline_avg_memory, 2) as avg_memory_delta_mb,
        round(p95_duration_ratio, 2) as p95_duration_ratio,
        round(pooled_p95_duration, 2) as pooled_p95_duration_ms,
        round(tail_share - baseline_tail_share, 2) as tail_share_delta_pct,
        round(tail_share_delta_lower, 2) as tail_share_delta_lower_bound_pct,
        round(tail_share_delta_upper, 2) as tail_share_delta_upper_bound_pct,
        verdict,
        verdict_reason
    from explained
)

select * from final
