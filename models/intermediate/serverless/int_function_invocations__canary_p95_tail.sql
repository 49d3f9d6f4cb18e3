-- The canary's baseline, and Mood's quantile test of each version's p95
-- duration against canary_max_p95_duration_ratio times the baseline's, for
-- canary_version_comparison. The baseline is the lowest version with
-- canary_min_invocations in the window (the lowest of all if none has), so a
-- few invocations of an older version still draining do not become the
-- reference. Each version's durations are pooled with the baseline's times the
-- ratio: a version whose p95 is above that multiple holds more of the pool's
-- slowest 5 % than the scaled baseline. Durations equal to the pool's p95
-- share the places of that 5 % the slower ones leave, equally (as if the tie
-- were broken at random): counted whole, a canary always at 9.99 ms against a
-- limit of 10 ms held the whole tail. The counts here; the mart bounds the
-- difference of the two shares.
{% set min_invocations = var_integer('canary_min_invocations', 1) %}
{% set max_p95_ratio = var_number('canary_max_p95_duration_ratio', 1) %}

with in_window as (
    select * from {{ ref('int_function_invocations__canary_window') }}
),

versions as (
    select
        version_id,
        count(*) as total_invocations,
        -- duration_ms may be null (not reported)
        count(duration_ms) as timed_invocations
    from in_window
    group by version_id
),

baseline_choice as (
    select
        coalesce(
            min(case when total_invocations >= {{ min_invocations }} then version_id end),
            min(version_id)
        ) as baseline_version_id
    from versions
),

pooled as (
    -- each version's durations beside the baseline's times the ratio
    select
        version_id,
        duration_ms,
        true as is_own
    from in_window
    where duration_ms is not null
    union all
    select
        versions.version_id,
        {{ max_p95_ratio }} * in_window.duration_ms as duration_ms,
        false as is_own
    from versions
    cross join in_window
    inner join baseline_choice
        on in_window.version_id = baseline_choice.baseline_version_id
    where versions.timed_invocations > 0 and in_window.duration_ms is not null
),

pooled_p95 as (
    select
        version_id,
        {{ percentile_cont('duration_ms', 0.95) }} as pooled_p95_duration
    from pooled
    group by version_id
),

pooled_counts as (
    -- each side's durations above the pool's p95 and equal to it, and the 5 % of the pool that is its tail
    select
        pooled.version_id,
        pooled_p95.pooled_p95_duration,
        sum(case when pooled.is_own and pooled.duration_ms > pooled_p95.pooled_p95_duration then 1 else 0 end) as own_above,
        sum(case when pooled.is_own and pooled.duration_ms = pooled_p95.pooled_p95_duration then 1 else 0 end) as own_tied,
        sum(case when not pooled.is_own and pooled.duration_ms > pooled_p95.pooled_p95_duration then 1 else 0 end) as baseline_above,
        sum(case when not pooled.is_own and pooled.duration_ms = pooled_p95.pooled_p95_duration then 1 else 0 end) as baseline_tied,
        sum(case when pooled.is_own then 0 else 1 end) as baseline_in_pool,
        0.05e0 * count(*) as tail_places
    from pooled
    inner join pooled_p95
        on pooled.version_id = pooled_p95.version_id
    group by pooled.version_id, pooled_p95.pooled_p95_duration
    -- no pool without the baseline's durations: nothing to compare with
    having sum(case when pooled.is_own then 0 else 1 end) > 0
),

tied_place_shares as (
    -- what each duration equal to the pool's p95 gets of the tail's places the slower ones leave (at most one)
    select
        *,
        case
            when own_tied + baseline_tied = 0 then 0e0
            else least(1e0, greatest(0e0, tail_places - own_above - baseline_above) / (own_tied + baseline_tied))
        end as tied_place_share
    from pooled_counts
),

pooled_tail as (
    select
        version_id,
        pooled_p95_duration,
        -- 6 decimals: the tied shares' last bits differ from engine to engine
        round(own_above + own_tied * tied_place_share, 6) as tail_count,
        round(baseline_above + baseline_tied * tied_place_share, 6) as baseline_tail_count,
        baseline_in_pool as baseline_timed_invocations
    from tied_place_shares
),

final as (
    select
        versions.version_id,
        baseline_choice.baseline_version_id,
        versions.total_invocations,
        versions.timed_invocations,
        pooled_tail.pooled_p95_duration as pooled_p95_duration_ms,
        pooled_tail.tail_count,
        pooled_tail.baseline_tail_count,
        pooled_tail.baseline_timed_invocations
    from versions
    cross join baseline_choice
    left join pooled_tail
        on versions.version_id = pooled_tail.version_id
)

select * from final
