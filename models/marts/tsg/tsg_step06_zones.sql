{%- set min_requests = var_integer('tsg_zone_min_requests', 0) -%}
{%- set critical_success_pct = var_number('tsg_zone_critical_success_pct', 0, 100) -%}
{%- set degraded_success_pct = var_number('tsg_zone_degraded_success_pct', 0, 100) -%}
{%- do assert_var_at_most('tsg_zone_critical_success_pct', critical_success_pct, 'tsg_zone_degraded_success_pct', degraded_success_pct,
        'a zone below it is CRITICAL before it could be DEGRADED, so DEGRADED would never be given') -%}
{%- set infra_error_rate_pct = var_number('tsg_zone_infra_error_rate_pct', 0, 100) -%}
{%- set high_latency_ms = var_number('tsg_zone_high_latency_ms', 0) -%}
{%- set cpu_pct = var_number('tsg_zone_cpu_pct', 0, 100) -%}
{%- set memory_pct = var_number('tsg_zone_memory_pct', 0, 100) -%}

with requests as (
    select * from {{ ref('int_gateway__requests_in_scope_with_infra') }}
),

per_zone_and_type as (
    select
        availability_zone,
        instance_type,
        count(*) as total_requests,
        count(case when is_success then 1 end) as total_successful,
        count(case when status_code = 504 then 1 end) as total_timeouts,
        count(case when status_code = 503 then 1 end) as total_unavailable,
        count(case when status_code = 502 then 1 end) as total_bad_gateway,
        {{ deterministic_aggregate('avg', 'latency_ms') }} as overall_latency_ms,
        {{ deterministic_aggregate('avg', 'backend_latency_ms') }} as backend_latency_ms,
        {{ deterministic_aggregate('avg', 'connection_time_ms') }} as connection_latency_ms,
        max(infra_concurrent_connections) as peak_connections,
        -- host load as the requests saw it: each request weighs its latest sample
        {{ deterministic_aggregate('avg', 'infra_cpu_utilization') }} as avg_cpu_usage,
        {{ deterministic_aggregate('avg', 'infra_memory_utilization') }} as avg_memory_usage,
        count(distinct load_balancer_id) as lb_count,
        count(distinct {{ time_bucket_minutes('requested_at', 15) }}) as active_intervals
    from requests
    group by availability_zone, instance_type
),

rated as (
    select
        *,
        total_successful * 100.0 / total_requests as success_rate,
        (total_timeouts + total_unavailable + total_bad_gateway) * 100.0 / total_requests as infrastructure_error_rate
    from per_zone_and_type
    where total_requests > {{ min_requests }}
),

assessed as (
    select
        *,
        case
            when success_rate < {{ critical_success_pct }} then 'CRITICAL'
            when success_rate < {{ degraded_success_pct }} then 'DEGRADED'
            when infrastructure_error_rate > {{ infra_error_rate_pct }} then 'INFRASTRUCTURE_ISSUES'
            when overall_latency_ms > {{ high_latency_ms }} then 'PERFORMANCE_ISSUES'
            when avg_cpu_usage > {{ cpu_pct }} or avg_memory_usage > {{ memory_pct }} then 'RESOURCE_PRESSURE'
            else 'HEALTHY'
        end as zone_status,
        -- the guide's health score, 0 (worst) to 100, used only for `priority`:
        -- success rate weighs 50 %, the share of requests without a 502/503/504
        -- 30 %, mean latency 20 % in bands (100 / 75 / 50 / 25 under 0.5, 1 and
        -- 2 s, the last being the PERFORMANCE_ISSUES default, and above)
        success_rate * 0.5
        + (100 - infrastructure_error_rate) * 0.3
        + (case
            when overall_latency_ms < 500 then 100
            when overall_latency_ms < 1000 then 75
            when overall_latency_ms < 2000 then 50
            else 25
        end) * 0.2 as health_score
    from rated
),

prioritised as (
    select
        availability_zone,
        instance_type,
        total_requests,
        success_rate,
        infrastructure_error_rate,
        overall_latency_ms,
        backend_latency_ms,
        connection_latency_ms,
        peak_connections,
        avg_cpu_usage,
        avg_memory_usage,
        lb_count,
        active_intervals,
        zone_status,
        health_score,
        dense_rank() over (order by round(health_score, 9)) as priority  -- rounded: ties as in step 7
    from assessed
)

select * from prioritised
