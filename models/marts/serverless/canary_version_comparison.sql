-- Scenario 1: each version of the canary function side by side with the
-- baseline, and a verdict. The baseline is the lowest version with
-- canary_min_invocations in the window (the lowest of all if none has), so a
-- few invocations of an older version still draining do not become the
-- reference. The error rate decides with canary_confidence_pct confidence
-- (Newcombe's bounds on the difference of two proportions): ROLLBACK when it
-- is above the limit for certain at that level (one error among 40 is no
-- evidence), PROMOTE only when it is within the limit at that level (a
-- clean canary of 30 invocations could still be 5 points worse). The p95
-- duration decides the same way: its p95 is above canary_max_p95_duration_ratio
-- times the baseline's when more than 5 % of its invocations are slower than
-- that limit, so ROLLBACK needs that share above 5 % at that confidence (Wilson
-- bound) and PROMOTE needs it within 5 %. The point p95 of 30 invocations is
-- about their second slowest: a canary no slower than its baseline was rolled
-- back in 17 to 31 % of windows by comparing the two p95s as measured.
{% set min_invocations = var_integer('canary_min_invocations', 1) %}
{% set max_increase_pct = var_number('canary_max_error_rate_increase_pct', 0, 100) %}
{% set z = var_confidence_z('canary_confidence_pct') %}
{% set confidence_pct = var('canary_confidence_pct') | string | trim %}
{% set max_p95_ratio = var_number('canary_max_p95_duration_ratio', 1) %}
{#- a p95 above the limit is more than this share of invocations above it -#}
{% set slow_share_limit_pct = 5 %}
{#- the p95 and its slow share in words, for the reasons below -#}
{%- set slow_share_words -%}
    'p95 duration ' || case
        when p95_duration_ratio is null
            then cast(round(p95_duration, 2) as {{ dbt.type_string() }}) || ' ms against the baseline''s 0 ms'
        else cast(round(p95_duration_ratio, 2) as {{ dbt.type_string() }}) || 'x the baseline''s'
    end
    || ': ' || cast(round(slow_share, 2) as {{ dbt.type_string() }}) || ' % of its invocations slower than '
    || cast(round(p95_duration_limit, 2) as {{ dbt.type_string() }}) || ' ms ({{ max_p95_ratio }}x the baseline''s p95)'
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
        {{ percentile_cont('duration_ms', 0.95) }} as p95_duration,
        count(duration_ms) as timed_invocations
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
        per_version.p95_duration as baseline_p95_duration,
        {{ max_p95_ratio }} * per_version.p95_duration as p95_duration_limit
    from per_version
    inner join baseline_choice
        on per_version.version_id = baseline_choice.baseline_version_id
),

slow_invocations as (
    -- invocations slower than the p95 limit (a duration not reported is not counted either way)
    select
        in_window.version_id,
        cast(sum(case when in_window.duration_ms > baseline.p95_duration_limit then 1 else 0 end) as bigint) as slow_count
    from in_window
    cross join baseline
    group by in_window.version_id
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
        -- in percent of the invocations that report a duration, with its bounds at that confidence
        100 * cast(slow_invocations.slow_count as double) / nullif(per_version.timed_invocations, 0) as slow_share,
        100 * ({{ wilson_bound('slow_invocations.slow_count', 'per_version.timed_invocations', z, 'lower') }}) as slow_share_lower,
        100 * ({{ wilson_bound('slow_invocations.slow_count', 'per_version.timed_invocations', z, 'upper') }}) as slow_share_upper
    from per_version
    cross join baseline
    inner join slow_invocations
        on per_version.version_id = slow_invocations.version_id
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
            -- p95 above the limit with confidence; the limit is a product, not a ratio: a baseline
            -- p95 of 0 ms has none, and its canary at 5000 ms was promoted (independent re-implementation)
            when slow_share_lower > {{ slow_share_limit_pct }} then 'ROLLBACK'
            -- no duration reported on a side: its latency cannot be judged, so not promoted
            when p95_duration is null or baseline_p95_duration is null then 'INSUFFICIENT_SAMPLE'
            -- not yet within the limits with confidence (above them, or too few invocations to tell): keep running
            when error_rate_delta_upper > {{ max_increase_pct }} then 'INSUFFICIENT_SAMPLE'
            when slow_share_upper > {{ slow_share_limit_pct }} then 'INSUFFICIENT_SAMPLE'
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
                        {{ slow_share_words }}
                        || ', between ' || cast(round(slow_share_lower, 2) as {{ dbt.type_string() }})
                        || ' and ' || cast(round(slow_share_upper, 2) as {{ dbt.type_string() }})
                        || ' % at {{ confidence_pct }} % confidence, not yet within {{ slow_share_limit_pct }} %'
                        || ': keep the canary running'
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
                        {{ slow_share_words }}
                        || ', at least ' || cast(round(slow_share_lower, 2) as {{ dbt.type_string() }})
                        || ' % at {{ confidence_pct }} % confidence, over {{ slow_share_limit_pct }} %: roll back'
                end
            else
                'error rate at most '
                || cast(round(error_rate_delta_upper, 2) as {{ dbt.type_string() }})
                || ' points above the baseline, and at most '
                || cast(round(slow_share_upper, 2) as {{ dbt.type_string() }})
                || ' % of its invocations slower than {{ max_p95_ratio }}x the baseline''s p95 duration, at '
                || '{{ confidence_pct }} % confidence: promote'
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
        round(slow_share, 2) as slower_than_p95_limit_pct,
        round(slow_share_lower, 2) as slower_than_p95_limit_lower_bound_pct,
        round(slow_share_upper, 2) as slower_than_p95_limit_upper_bound_pct,
        verdict,
        verdict_reason
    from explained
)

select * from final
