-- One row per alert: an SLO and a rule of slo_burn_rate_rules (the SRE
-- workbook's multi-window, multi-burn-rate alerts), from the first 5-minute
-- step at which the burn rates over the rule's long and short windows both
-- exceed its threshold to the first step at which they no longer do, or
-- the rule's keep_firing_for after it (resolved_at; null while still firing
-- at the newest step). A step at
-- evaluated_at covers the events of [evaluated_at - window, evaluated_at);
-- see slo_method.
{%- set rules = slo_burn_rate_rules() %}
{%- set window_minutes = ((rules | map(attribute='long_window_minutes') | list)
    + (rules | map(attribute='short_window_minutes') | list)) | unique | sort %}

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
        {%- for minutes in window_minutes %}
            {{ slo_window_sum('total_events - good_events', minutes) }} as bad_events_{{ minutes }}m,
            {{ slo_window_sum('total_events', minutes) }} as total_events_{{ minutes }}m,
        {%- endfor %}
        {{ dbt.dateadd('minute', 5, 'max(bucket_start) over (partition by slo_name)') }} as last_evaluated_at,
        min(bucket_start) over (partition by slo_name) as first_bucket_start
    from event_buckets
),

-- burn rate = error rate / error rate the objective allows; none without events
burn_rates as (
    select
        windowed.slo_name,
        windowed.evaluated_at,
        {%- for minutes in window_minutes %}
            windowed.bad_events_{{ minutes }}m,
            windowed.total_events_{{ minutes }}m,
            case
                when windowed.total_events_{{ minutes }}m > 0
                    then
                        cast(windowed.bad_events_{{ minutes }}m as double) / windowed.total_events_{{ minutes }}m
                        / definitions.error_budget_ratio
            end as burn_rate_{{ minutes }}m,
        {%- endfor %}
        windowed.last_evaluated_at,
        windowed.first_bucket_start
    from windowed
    inner join definitions
        on windowed.slo_name = definitions.slo_name
),

rule_steps as (
    {%- for rule in rules %}
        select
            slo_name,
            evaluated_at,
            last_evaluated_at,
            {{ sql_literal(rule.name) }} as rule_name,
            '{{ rule.severity }}' as severity,
            {{ sql_literal(rule.long_window) }} as long_window,
            {{ sql_literal(rule.short_window) }} as short_window,
            cast({{ rule.burn_rate_threshold }} as double) as burn_rate_threshold,
            burn_rate_{{ rule.long_window_minutes }}m as long_window_burn_rate,
            burn_rate_{{ rule.short_window_minutes }}m as short_window_burn_rate,
            bad_events_{{ rule.long_window_minutes }}m as long_window_bad_events,
            total_events_{{ rule.long_window_minutes }}m as long_window_events,
            {{ rule.min_bad_events }} as min_bad_events,
            {{ rule.keep_firing_minutes }} as keep_firing_minutes,
            -- the log reaches back over the long window: before, both windows hold the same events
            {{ slo_log_covers_window('evaluated_at', rule.long_window_minutes, 'first_bucket_start') }} as is_long_window_covered
        from burn_rates
        where
            burn_rate_{{ rule.long_window_minutes }}m > {{ rule.burn_rate_threshold }}
            and burn_rate_{{ rule.short_window_minutes }}m > {{ rule.burn_rate_threshold }}
            -- a low-traffic SLO's single failure is a burn rate of hundreds: the rule may ask for more
            and bad_events_{{ rule.long_window_minutes }}m >= {{ rule.min_bad_events }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- consecutive firing steps (5 minutes apart, or within keep_firing_for of the last) form one alert
episode_starts as (
    select
        *,
        case
            when {{ epoch_seconds('evaluated_at') }} - {{ epoch_seconds('previous_firing_at') }} <= 300 + 60 * keep_firing_minutes then 0
            else 1
        end as starts_episode
    from (
        select
            *,
            lag(evaluated_at) over (partition by slo_name, rule_name order by evaluated_at) as previous_firing_at
        from rule_steps
    ) as firing
),

episodes as (
    select
        *,
        sum(starts_episode) over (
            partition by slo_name, rule_name order by evaluated_at rows between unbounded preceding and current row
        ) as episode_number
    from episode_starts
),

alerts as (
    select
        slo_name,
        rule_name,
        max(severity) as severity,
        min(evaluated_at) as started_at,
        max(evaluated_at) as last_firing_at,
        max(last_evaluated_at) as last_evaluated_at,
        count(*) as firing_steps,
        max(long_window) as long_window,
        max(short_window) as short_window,
        max(burn_rate_threshold) as burn_rate_threshold,
        max(keep_firing_minutes) as keep_firing_minutes,
        max(long_window_burn_rate) as peak_long_window_burn_rate
    from episodes
    group by slo_name, rule_name, episode_number
),

with_start_rates as (
    select
        alerts.slo_name || '/' || alerts.rule_name || '/' || cast(alerts.started_at as {{ dbt.type_string() }}) as alert_key,
        alerts.slo_name,
        definitions.service_name,
        definitions.sli_kind,
        definitions.event_source,
        definitions.environment,
        definitions.region,
        definitions.good_events_definition,
        definitions.objective_pct,
        definitions.time_window,
        alerts.rule_name,
        alerts.severity,
        alerts.started_at,
        -- the first step at which the rule no longer held (keep_firing_for later), if the log reaches it
        case
            when {{ dbt.dateadd('minute', 'alerts.keep_firing_minutes', 'alerts.last_firing_at') }} < alerts.last_evaluated_at
                then {{ dbt.dateadd('minute', '(5 + alerts.keep_firing_minutes)', 'alerts.last_firing_at') }}
        end as resolved_at,
        {{ dbt.dateadd('minute', 'alerts.keep_firing_minutes', 'alerts.last_firing_at') }} >= alerts.last_evaluated_at as is_firing,
        alerts.firing_steps,
        alerts.long_window,
        alerts.short_window,
        alerts.burn_rate_threshold,
        at_start.long_window_burn_rate as long_window_burn_rate_at_start,
        at_start.short_window_burn_rate as short_window_burn_rate_at_start,
        at_start.is_long_window_covered as is_long_window_covered_at_start,
        at_start.long_window_bad_events as long_window_bad_events_at_start,
        at_start.long_window_events as long_window_events_at_start,
        at_start.min_bad_events,
        alerts.keep_firing_minutes,
        alerts.peak_long_window_burn_rate,
        alerts.last_evaluated_at
    from alerts
    inner join rule_steps as at_start
        on
            alerts.slo_name = at_start.slo_name
            and alerts.rule_name = at_start.rule_name
            and alerts.started_at = at_start.evaluated_at
    inner join definitions
        on alerts.slo_name = definitions.slo_name
)

select * from with_start_rates
