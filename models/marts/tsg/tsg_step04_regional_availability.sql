{%- set window = tsg_window() -%}
{%- set min_requests = var_integer('tsg_region_min_requests', 0) -%}
{%- set critical_pct = var_number('tsg_region_critical_availability_pct', 0, 100) -%}
{%- set warning_pct = var_number('tsg_region_warning_availability_pct', 0, 100) -%}
{%- do assert_var_at_most('tsg_region_critical_availability_pct', critical_pct, 'tsg_region_warning_availability_pct', warning_pct,
        'a region below it is CRITICAL before it could be WARNING, so WARNING would never be given') -%}
{%- set trend_pp_per_hour = var_number('tsg_region_trend_pp_per_hour', 0) -%}

with requests as (
    select * from {{ ref('int_gateway__requests_in_window') }}
),

timed as (
    select
        *,
        {{ dbt.date_trunc('hour', 'requested_at') }} as hour_bucket,
        ({{ epoch_seconds('requested_at') }} - {{ epoch_seconds(window.window_start) }}) / 3600.0 as hours_into_window,
        case when is_success then 100.0 else 0.0 end as success_pct_points
    from requests
),

hourly_p99 as (
    select
        region,
        datacenter,
        availability_zone,
        hour_bucket,
        {{ percentile_cont('latency_ms', 0.99) }} as p99_latency_ms
    from timed
    group by region, datacenter, availability_zone, hour_bucket
),

worst_hour as (
    select
        region,
        datacenter,
        availability_zone,
        max(p99_latency_ms) as max_p99_latency_ms
    from hourly_p99
    group by region, datacenter, availability_zone
),

per_zone as (
    select
        region,
        datacenter,
        availability_zone,
        max(case when is_incident_region then 1 else 0 end) = 1 as is_incident_region,
        count(*) as total_count,
        count(case when is_success then 1 end) as success_count,
        count(case when is_server_error then 1 end) as failure_count,
        count(case when status_code = 429 then 1 end) as rate_limited_count,
        count(case when status_code = 503 then 1 end) as unavailable_count,
        {{ deterministic_aggregate('avg', 'latency_ms') }} as overall_avg_latency_ms,
        -- least-squares slope of per-request availability over time: points per hour
        coalesce({{ regr_slope('success_pct_points', 'hours_into_window') }}, 0) as availability_trend_pp_per_hour
    from timed
    group by region, datacenter, availability_zone
),

assessed as (
    select
        per_zone.region,
        per_zone.datacenter,
        per_zone.availability_zone,
        per_zone.is_incident_region,
        per_zone.total_count,
        per_zone.success_count * 100.0 / per_zone.total_count as availability_pct,
        per_zone.failure_count,
        per_zone.rate_limited_count,
        per_zone.unavailable_count,
        per_zone.overall_avg_latency_ms,
        worst_hour.max_p99_latency_ms,
        per_zone.availability_trend_pp_per_hour,
        case
            when per_zone.availability_trend_pp_per_hour < -{{ trend_pp_per_hour }} then 'DEGRADING'
            when per_zone.availability_trend_pp_per_hour > {{ trend_pp_per_hour }} then 'IMPROVING'
            else 'STABLE'
        end as trend,
        case
            when per_zone.success_count * 100.0 / per_zone.total_count < {{ critical_pct }} then 'CRITICAL'
            when per_zone.success_count * 100.0 / per_zone.total_count < {{ warning_pct }} then 'WARNING'
            else 'HEALTHY'
        end as health_status
    from per_zone
    inner join worst_hour
        on {{ null_safe_join('per_zone', 'worst_hour', ['region', 'datacenter', 'availability_zone']) }}
    where per_zone.total_count > {{ min_requests }}
)

select * from assessed
