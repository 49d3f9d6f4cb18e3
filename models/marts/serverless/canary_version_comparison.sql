-- Scenario 1: each version of the canary function side by side with the
-- baseline (int_function_invocations__canary_p95_tail chooses it), and a
-- verdict. The error rate decides with canary_confidence_pct confidence
-- (Newcombe's bounds on the difference of two proportions): ROLLBACK when it
-- is above the limit for certain at that level (one error among 40 is no
-- evidence), PROMOTE only when it is within the limit at that level (a
-- clean canary of 30 invocations could still be 5 points worse). So does the
-- p95 duration, by Mood's quantile test: pooled with the baseline's durations
-- times canary_max_p95_duration_ratio, a version whose p95 is above that
-- multiple holds more of the pool's slowest 5 % than the scaled baseline
-- (ROLLBACK when so at that confidence, PROMOTE only when it holds less),
-- once the baseline has the durations it takes to bound a p95 at that level.
-- The two p95s as measured rolled back an unchanged canary in 16 to 33 % of
-- windows of 30 invocations each (bench/canary_calibration.py).
{% set min_invocations = var_integer('canary_min_invocations', 1) %}
{% set max_increase_pct = var_number('canary_max_error_rate_increase_pct', 0, 100) %}
{% set z = var_confidence_z('canary_confidence_pct') %}
{% set confidence_pct = var('canary_confidence_pct') | string | trim %}
{% set max_p95_ratio = var_number('canary_max_p95_duration_ratio', 1) %}
{% set p95_min_durations = p95_bound_min_sample(confidence_pct) %}
{#- the p95 test in words, for the reasons below -#}
{%- set tail_words -%}
    'p95 duration ' || case
        when p95_duration_ratio is null
            then cast(round(p95_duration, 2) as {{ dbt.type_string() }}) || ' ms against the baseline''s 0 ms'
        else cast(round(p95_duration_ratio, 2) as {{ dbt.type_string() }}) || 'x the baseline''s'
    end
    || ': ' || cast(round(tail_share, 2) as {{ dbt.type_string() }}) || ' % of its invocations in the slowest 5 % of its '
    || 'durations pooled with the baseline''s times {{ max_p95_ratio }} (from '
    || cast(round(pooled_p95_duration_ms, 2) as {{ dbt.type_string() }}) || ' ms), against '
    || cast(round(baseline_tail_share, 2) as {{ dbt.type_string() }}) || ' % of the baseline''s'
{%- endset %}

with in_window as (
    select * from {{ ref('int_function_invocations__canary_window') }}
),

p95_tails as (
    select * from {{ ref('int_function_invocations__canary_p95_tail') }}
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
        per_version.version_id as baseline_version_id,
        per_version.total_invocations as baseline_invocations,
        per_version.error_count as baseline_error_count,
        per_version.error_rate as baseline_error_rate,
        per_version.avg_duration as baseline_avg_duration,
        per_version.avg_memory as baseline_avg_memory,
        per_version.p95_duration as baseline_p95_duration,
        p95_tails.timed_invocations as baseline_timed_invocations
    from per_version
    inner join p95_tails
        on
            per_version.version_id = p95_tails.baseline_version_id
            and p95_tails.version_id = p95_tails.baseline_version_id
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
        p95_tails.pooled_p95_duration_ms,
        -- shares of the pool's tail, in percent of each side's durations (null when a side reports none)
        100 * cast(p95_tails.tail_count as double) / nullif(p95_tails.timed_invocations, 0) as tail_share,
        100 * cast(p95_tails.baseline_tail_count as double) / nullif(p95_tails.baseline_timed_invocations, 0) as baseline_tail_share,
        -- in points: how much more of the tail this version holds at least, and at most, with that confidence
        100 * ({{ proportion_difference_bound('p95_tails.tail_count', 'nullif(p95_tails.timed_invocations, 0)',
            'p95_tails.baseline_tail_count', 'nullif(p95_tails.baseline_timed_invocations, 0)', z, 'lower') }}) as tail_share_delta_lower,
        100 * ({{ proportion_difference_bound('p95_tails.tail_count', 'nullif(p95_tails.timed_invocations, 0)',
            'p95_tails.baseline_tail_count', 'nullif(p95_tails.baseline_timed_invocations, 0)', z, 'upper') }}) as tail_share_delta_upper
    from per_version
    cross join baseline
    inner join p95_tails
        on per_version.version_id = p95_tails.version_id
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
            -- no duration reported on a side: its latency cannot be judged, so not promoted
            when p95_duration is null or baseline_p95_duration is null then 'INSUFFICIENT_SAMPLE'
            -- p95 above the limit with confidence (a baseline p95 of 0 ms has no ratio, and its canary at
            -- 5000 ms was once promoted: independent re-implementation), on enough of the baseline's durations
            when tail_share_delta_lower > 0 and baseline_timed_invocations >= {{ p95_min_durations }} then 'ROLLBACK'
            -- not yet within the limits with confidence (above them, or too few invocations to tell): keep running
            when error_rate_delta_upper > {{ max_increase_pct }} then 'INSUFFICIENT_SAMPLE'
            when baseline_timed_invocations < {{ p95_min_durations }} then 'INSUFFICIENT_SAMPLE'
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
                    when baseline_timed_invocations < {{ p95_min_durations }}
                        then
                            'the baseline''s ' || cast(baseline_timed_invocations as {{ dbt.type_string() }})
                            || ' durations cannot bound its p95 at {{ confidence_pct }} % confidence (the slowest of n '
                            || 'durations is above their p95 with probability 1 - 0.95^n: it takes {{ p95_min_durations }})'
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
                || cast(round(tail_share, 2) as {{ dbt.type_string() }}) || ' % of its invocations in the slowest 5 % of its '
                || 'durations pooled with the baseline''s times {{ max_p95_ratio }}, at least '
                || cast(round(-tail_share_delta_upper, 2) as {{ dbt.type_string() }})
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
        round(pooled_p95_duration_ms, 2) as pooled_p95_duration_ms,
        -- the baseline against itself scaled says nothing
        case when verdict != 'BASELINE' then round(tail_share - baseline_tail_share, 2) end as tail_share_delta_pct,
        case when verdict != 'BASELINE' then round(tail_share_delta_lower, 2) end as tail_share_delta_lower_bound_pct,
        case when verdict != 'BASELINE' then round(tail_share_delta_upper, 2) end as tail_share_delta_upper_bound_pct,
        verdict,
        verdict_reason
    from explained
)

select * from final
