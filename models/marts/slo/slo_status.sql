-- Where each SLO stands at every 5-minute step: the SLI over its rolling
-- window, the error budget (bad events the objective allows in that window),
-- how much of it is consumed and left, the current burn rate (over
-- slo_status_burn_rate_window) and the hours left before the budget is gone
-- at that rate. A step at evaluated_at covers the events of
-- [evaluated_at - window, evaluated_at); see slo_method.
{%- set window_minutes = slo_definitions() | map(attribute='time_window_minutes') | unique | sort %}
{%- set burn_minutes = slo_status_burn_rate_window_minutes() %}

with event_buckets as (
    select * from {{ ref('int_slo__event_buckets') }}
),

definitions as (
    select * from {{ ref('int_slo__definitions') }}
),

windowed as (
    select
        slo_name,
        {{ dbt.dateadd('minute', 5, 'bucket_start') }} as evaluated_at,
        min(bucket_start) over (partition by slo_name) as first_bucket_start,
        {%- for minutes in window_minutes %}
            {{ slo_window_sum('good_events', minutes) }} as good_events_{{ minutes }}m,
            {{ slo_window_sum('total_events', minutes) }} as total_events_{{ minutes }}m,
        {%- endfor %}
        {{ slo_window_sum('total_events - good_events', burn_minutes) }} as bad_events_in_burn_window,
        {{ slo_window_sum('total_events', burn_minutes) }} as total_events_in_burn_window
    from event_buckets
),

-- each SLO's own window among the computed ones
in_slo_window as (
    select
        windowed.slo_name,
        definitions.service_name,
        definitions.sli_kind,
        windowed.evaluated_at,
        definitions.time_window,
        definitions.time_window_minutes,
        -- the log reaches back over the whole window
        {{ slo_log_covers_window('windowed.evaluated_at', 'definitions.time_window_minutes', 'windowed.first_bucket_start') }} as is_full_window,
        -- the part of the window the log covers: its budget counts these minutes' events only
        least(
            definitions.time_window_minutes,
            ({{ epoch_seconds('windowed.evaluated_at') }} - {{ epoch_seconds('windowed.first_bucket_start') }}) / 60
        ) as covered_window_minutes,
        definitions.objective_pct,
        definitions.error_budget_ratio,
        case definitions.time_window_minutes
            {%- for minutes in window_minutes %}
                when {{ minutes }} then windowed.total_events_{{ minutes }}m
            {%- endfor %}
        end as total_events,
        case definitions.time_window_minutes
            {%- for minutes in window_minutes %}
                when {{ minutes }} then windowed.good_events_{{ minutes }}m
            {%- endfor %}
        end as good_events,
        windowed.bad_events_in_burn_window,
        windowed.total_events_in_burn_window
    from windowed
    inner join definitions
        on windowed.slo_name = definitions.slo_name
),

budget as (
    select
        *,
        total_events - good_events as bad_events,
        total_events * error_budget_ratio as error_budget_events,
        case when total_events > 0 then 100 * cast(good_events as double) / total_events end as sli_pct,
        case
            when total_events_in_burn_window > 0
                then cast(bad_events_in_burn_window as double) / total_events_in_burn_window / error_budget_ratio
        end as current_burn_rate
    from in_slo_window
),

consumed as (
    select
        *,
        error_budget_events - bad_events as budget_remaining_events,
        case when error_budget_events > 0 then 100 * bad_events / error_budget_events end as budget_consumed_pct,
        error_budget_events / (cast(covered_window_minutes as double) / 60) as budget_per_hour,
        cast(time_window_minutes - covered_window_minutes as double) / 60 as hours_until_window_full
    from budget
),

status as (
    select
        slo_name,
        service_name,
        sli_kind,
        evaluated_at,
        time_window,
        is_full_window,
        -- whole minutes: steps and buckets are 5 minutes apart
        cast(covered_window_minutes as {{ dbt.type_bigint() }}) as covered_window_minutes,
        total_events,
        good_events,
        bad_events,
        sli_pct,
        objective_pct,
        sli_pct >= objective_pct as is_objective_met,
        error_budget_events,
        bad_events as budget_consumed_events,
        budget_remaining_events,
        budget_consumed_pct,
        100 - budget_consumed_pct as budget_remaining_pct,
        {{ sql_literal(var('slo_status_burn_rate_window') | trim) }} as burn_rate_window,
        current_burn_rate,
        {#- Traffic as it came so far: the budget gains g = budget / covered hours an hour while the log is
            shorter than the window (h_fill hours more), and bad events spend b * g an hour. So the rest
            lasts rest / ((b - 1) g) if that ends before the window fills; otherwise the window fills first
            and the rest then lasts at b * g (the SRE workbook's time left, rest / budget * window / b). -#}
        case
            when error_budget_events = 0 then null
            -- spent is spent, whether or not the last hour had traffic
            when budget_remaining_events <= 0 then 0
            when current_burn_rate is null or current_burn_rate = 0 then null
            when
                current_burn_rate > 1
                and budget_remaining_events / ((current_burn_rate - 1) * budget_per_hour) <= hours_until_window_full
                then budget_remaining_events / ((current_burn_rate - 1) * budget_per_hour)
            else
                hours_until_window_full
                + (budget_remaining_events - (current_burn_rate - 1) * budget_per_hour * hours_until_window_full)
                / (current_burn_rate * budget_per_hour)
        end as hours_until_budget_exhausted
    from consumed
)

select * from status
