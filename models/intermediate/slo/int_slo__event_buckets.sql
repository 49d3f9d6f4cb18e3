-- Good and total events of every SLO (var `slos`) per 5-minute bucket of
-- event time, straight from the staging logs. Dense: each SLO has a row for
-- every bucket from its log's first to its last (zero where it had no
-- events), so the window sums downstream can count rows as time.
-- Incremental: each log is re-read from incremental_lookback_hours before the
-- newest bucket already loaded from it (its own clock: the two logs need not
-- overlap in time), and those buckets are recounted whole, so late rows
-- within the lookback update their bucket.
{{
    config(
        materialized=row_level_incremental_materialization(),
        unique_key=['slo_name', 'bucket_start'],
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

{#- the logs that some SLO counts, each with its SLOs' conditions -#}
{%- set slos = slo_definitions() -%}
{%- do check_same_slo_counting(slos) -%}
{%- set logs = [] -%}
{%- for log in [
    {'source': 'gateway_requests', 'cte': 'gateway_requests', 'event_time': 'requested_at'},
    {'source': 'function_invocations', 'cte': 'function_invocations', 'event_time': 'start_timestamp'},
] -%}
    {%- set counted = [] -%}
    {%- for slo in slos if slo.event_source == log.source -%}
        {%- do counted.append({'name': slo.name, 'events': slo_event_predicates(slo), 'counted_as': slo_counted_as(slo)}) -%}
    {%- endfor -%}
    {%- if counted -%}
        {%- do logs.append({'source': log.source, 'cte': log.cte, 'event_time': log.event_time, 'slos': counted}) -%}
    {%- endif -%}
{%- endfor %}

with gateway_requests as (
    select * from {{ ref('stg_gateway__api_gateway_logs') }}
    where {{ incremental_lookback_filter('requested_at', "case when event_source = 'gateway_requests' then bucket_start end") }}
),

function_invocations as (
    select * from {{ ref('stg_serverless__function_invocations') }}
    where {{ incremental_lookback_filter('start_timestamp', "case when event_source = 'function_invocations' then bucket_start end") }}
),
{% if is_incremental() %}
    -- the newest bucket loaded from each log: the grid continues from it, so a
    -- gap in the log is filled with zero buckets
    loaded_ends as (
        select
            event_source,
            max(bucket_start) as bucket_start
        from {{ this }}
        group by event_source
    ),
{% endif %}
{% for log in logs %}
    {{ log.cte }}_bucketed as (
        select
            *,
            {{ time_bucket_minutes(log.event_time, 5) }} as bucket_start
        from {{ log.cte }}
    ),

    {{ log.cte }}_counts as (
        select
            {%- for slo in log.slos %}
                count(case when {{ slo.events.total_sql }} then 1 end) as total_events_{{ loop.index }},
                count(case when {{ slo.events.good_sql }} then 1 end) as good_events_{{ loop.index }},
            {%- endfor %}
            bucket_start
        from {{ log.cte }}_bucketed
        group by bucket_start
    ),

    {{ log.cte }}_bounds as (
        select
            min(bucket_start) as first_bucket,
            max(bucket_start) as last_bucket
        from (
            select bucket_start from {{ log.cte }}_counts
            {%- if is_incremental() %}
                union all
                select bucket_start from loaded_ends
                where event_source = '{{ log.source }}'
            {%- endif %}
        ) as buckets
    ),

    {{ log.cte }}_grid as (
        select {{ timestamp_series('first_bucket', 'last_bucket', 5) }} as bucket_start
        from {{ log.cte }}_bounds
    ),

    {{ log.cte }}_dense as (
        select
            {%- for slo in log.slos %}
                coalesce(counts.total_events_{{ loop.index }}, 0) as total_events_{{ loop.index }},
                coalesce(counts.good_events_{{ loop.index }}, 0) as good_events_{{ loop.index }},
            {%- endfor %}
            grid.bucket_start
        from {{ log.cte }}_grid as grid
        left join {{ log.cte }}_counts as counts
            on grid.bucket_start = counts.bucket_start
    ),

    {{ log.cte }}_per_slo as (
        {%- for slo in log.slos %}
            select
                {{ sql_literal(slo.name) }} as slo_name,
                '{{ log.source }}' as event_source,
                bucket_start,
                good_events_{{ loop.index }} as good_events,
                total_events_{{ loop.index }} as total_events,
                {{ sql_literal(slo.counted_as) }} as counted_as
            from {{ log.cte }}_dense
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ),
{% endfor %}
all_slos as (
    {%- for log in logs %}
        select * from {{ log.cte }}_per_slo
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from all_slos
