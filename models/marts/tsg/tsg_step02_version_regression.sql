{%- set min_requests = var_integer('tsg_version_min_requests', 0) -%}
{%- set regression_delta_pct = var_number('tsg_version_regression_delta_pct', 0, 100) -%}
{%- set slow_rate_pct = var_number('tsg_version_slow_rate_pct', 0, 100) -%}
{%- set slow_request_ms = var_number('tsg_slow_request_ms', 0) -%}

with requests as (
    select * from {{ ref('int_gateway__requests_in_scope') }}
),

comparable_requests as (
    -- a version that is not MAJOR.MINOR.PATCH cannot be ordered: left out
    select * from requests
    where version_major is not null
),

per_minute as (
    select
        service_version,
        {{ time_bucket_minutes('requested_at', 1) }} as minute_bucket,
        {{ percentile_cont('latency_ms', 0.99) }} as p99_latency_ms
    from comparable_requests
    group by service_version, {{ time_bucket_minutes('requested_at', 1) }}
),

worst_minute as (
    select
        service_version,
        max(p99_latency_ms) as max_p99_latency_ms
    from per_minute
    group by service_version
),

per_version as (
    select
        service_version,
        version_major,
        version_minor,
        version_patch,
        count(*) as total_count,
        count(case when is_server_error then 1 end) as failure_count,
        count(case when latency_ms > {{ slow_request_ms }} then 1 end) as slow_count,
        {{ deterministic_aggregate('avg', 'latency_ms') }} as overall_avg_latency_ms
    from comparable_requests
    group by service_version, version_major, version_minor, version_patch
),

rated as (
    select
        per_version.*,
        worst_minute.max_p99_latency_ms,
        per_version.failure_count * 100.0 / per_version.total_count as failure_rate,
        per_version.slow_count * 100.0 / per_version.total_count as slow_rate,
        case
            when per_version.version_minor < 1000 and per_version.version_patch < 1000
                then per_version.version_major * 1000000 + per_version.version_minor * 1000 + per_version.version_patch
        end as version_number
    from per_version
    inner join worst_minute
        on per_version.service_version = worst_minute.service_version
    where per_version.total_count > {{ min_requests }}
),

ranked as (
    select
        *,
        row_number() over (
            order by version_major desc, version_minor desc, version_patch desc
        ) as version_rank,
        lag(failure_rate) over (
            order by version_major, version_minor, version_patch
        ) as prev_failure_rate
    from rated
),

assessed as (
    select
        service_version,
        version_number,
        version_rank,
        total_count,
        failure_count,
        failure_rate,
        prev_failure_rate,
        failure_rate - prev_failure_rate as failure_rate_delta,
        slow_rate,
        overall_avg_latency_ms,
        max_p99_latency_ms,
        case
            when version_rank = 1 and failure_rate - prev_failure_rate > {{ regression_delta_pct }} then 'REGRESSION_DETECTED'
            when version_rank = 1 and slow_rate > {{ slow_rate_pct }} then 'PERFORMANCE_DEGRADATION'
            else 'NO_REGRESSION'
        end as assessment
    from ranked
    where version_rank <= 5
)

select * from assessed
