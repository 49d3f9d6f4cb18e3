{%- set min_requests = var_integer('tsg_endpoint_min_requests', 0) -%}
{%- set server_error_rate_pct = var_number('tsg_endpoint_server_error_rate_pct', 0, 100) -%}
{%- set low_success_pct = var_number('tsg_endpoint_low_success_pct', 0, 100) -%}
{%- set p99_threshold_ms = var_number('tsg_endpoint_p99_latency_ms', 0) -%}
{%- set client_error_rate_pct = var_number('tsg_endpoint_client_error_rate_pct', 0, 100) -%}
{%- set low_cache_hit_pct = var_number('tsg_endpoint_low_cache_hit_pct', 0, 100) -%}
{%- set cache_min_requests = var_integer('tsg_endpoint_cache_min_requests', 0) -%}
{%- set endpoint_keys = ['endpoint_path', 'http_method', 'api_version', 'client_type'] -%}

with requests as (
    select * from {{ ref('int_gateway__requests_in_scope') }}
),

per_ten_minutes as (
    select
        endpoint_path,
        http_method,
        api_version,
        client_type,
        {{ time_bucket_minutes('requested_at', 10) }} as time_bucket,
        {{ percentile_cont('latency_ms', 0.95) }} as p95_latency_ms,
        {{ percentile_cont('latency_ms', 0.99) }} as p99_latency_ms
    from requests
    group by endpoint_path, http_method, api_version, client_type, {{ time_bucket_minutes('requested_at', 10) }}
),

worst_bucket as (
    select
        endpoint_path,
        http_method,
        api_version,
        client_type,
        max(p95_latency_ms) as max_p95_latency_ms,
        max(p99_latency_ms) as max_p99_latency_ms,
        count(*) as active_time_buckets
    from per_ten_minutes
    group by endpoint_path, http_method, api_version, client_type
),

per_endpoint as (
    select
        endpoint_path,
        http_method,
        api_version,
        client_type,
        count(*) as total_requests,
        count(case when is_success then 1 end) as total_success,
        count(case when is_server_error then 1 end) as total_server_errors,
        count(case when is_client_error then 1 end) as total_client_errors,
        {{ deterministic_aggregate('avg', 'latency_ms') }} as overall_avg_latency_ms,
        count(case when is_cache_hit then 1 end) as cache_hits,
        count(distinct session_id) as total_unique_sessions,
        {{ deterministic_aggregate('avg', 'request_size_bytes') }} / 1024.0 as avg_request_kb,
        {{ deterministic_aggregate('avg', 'response_size_bytes') }} / 1024.0 as avg_response_kb
    from requests
    group by endpoint_path, http_method, api_version, client_type
),

rated as (
    select
        per_endpoint.*,
        worst_bucket.max_p95_latency_ms,
        worst_bucket.max_p99_latency_ms,
        worst_bucket.active_time_buckets,
        per_endpoint.total_success * 100.0 / per_endpoint.total_requests as success_rate,
        per_endpoint.total_server_errors * 100.0 / per_endpoint.total_requests as server_error_rate,
        per_endpoint.total_client_errors * 100.0 / per_endpoint.total_requests as client_error_rate,
        per_endpoint.cache_hits * 100.0 / per_endpoint.total_requests as cache_hit_rate
    from per_endpoint
    inner join worst_bucket
        on {{ null_safe_join('per_endpoint', 'worst_bucket', endpoint_keys) }}
    where per_endpoint.total_requests > {{ min_requests }}
),

assessed as (
    select
        *,
        {{ tsg_endpoint_label('http_method', 'endpoint_path') }} as endpoint_label,
        case
            when server_error_rate > {{ server_error_rate_pct }} then 'HIGH_SERVER_ERRORS'
            when success_rate < {{ low_success_pct }} then 'LOW_SUCCESS_RATE'
            when max_p99_latency_ms > {{ p99_threshold_ms }} then 'HIGH_LATENCY'
            when client_error_rate > {{ client_error_rate_pct }} then 'HIGH_CLIENT_ERRORS'
            when cache_hit_rate < {{ low_cache_hit_pct }} and total_requests > {{ cache_min_requests }} then 'LOW_CACHE_EFFICIENCY'
            else 'NORMAL'
        end as endpoint_status,
        -- the guide's impact, used only for `impact_rank`: thousands of requests
        -- times the points of failure (unsuccessful requests / 10)
        total_requests / 1000.0 * (100 - success_rate) as impact_score
    from rated
),

problems as (
    select
        endpoint_path,
        http_method,
        api_version,
        client_type,
        endpoint_label,
        total_requests,
        success_rate,
        server_error_rate,
        client_error_rate,
        overall_avg_latency_ms,
        max_p95_latency_ms,
        max_p99_latency_ms,
        cache_hit_rate,
        total_unique_sessions,
        avg_request_kb,
        avg_response_kb,
        active_time_buckets,
        endpoint_status,
        impact_score,
        -- rounded: equal impacts computed from different counts differ in their last bits
        -- (2.300000000000001 and 2.3), and rank() then split a tie (operator trial)
        rank() over (order by round(impact_score, 9) desc) as impact_rank
    from assessed
    where endpoint_status != 'NORMAL'
),

top_twenty_five as (
    select * from problems
    where impact_rank <= 25
)

select * from top_twenty_five
