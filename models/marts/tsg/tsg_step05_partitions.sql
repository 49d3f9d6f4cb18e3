{%- set min_requests = var_integer('tsg_partition_min_requests', 0) -%}
{%- set high_error_rate_pct = var_number('tsg_partition_high_error_rate_pct', 0, 100) -%}
{%- set high_latency_ms = var_number('tsg_partition_high_latency_ms', 0) -%}
{%- set unstable_stddev_ms = var_number('tsg_partition_unstable_stddev_ms', 0) -%}
{%- set low_success_pct = var_number('tsg_partition_low_success_pct', 0, 100) -%}
{%- set partition_keys = ['partition_id', 'shard_id', 'tenant_category'] -%}

with requests as (
    select * from {{ ref('int_gateway__requests_in_scope') }}
),

per_half_hour as (
    select
        partition_id,
        shard_id,
        tenant_category,
        {{ time_bucket_minutes('requested_at', 30) }} as time_window,
        {{ deterministic_aggregate('stddev_samp', 'latency_ms') }} as latency_stddev_ms
    from requests
    group by partition_id, shard_id, tenant_category, {{ time_bucket_minutes('requested_at', 30) }}
),

latency_stability as (
    select
        partition_id,
        shard_id,
        tenant_category,
        {{ deterministic_aggregate('avg', 'latency_stddev_ms') }} as avg_latency_stddev_ms,
        count(*) as active_windows
    from per_half_hour
    group by partition_id, shard_id, tenant_category
),

per_partition as (
    select
        partition_id,
        shard_id,
        tenant_category,
        count(*) as total_requests,
        count(case when is_success then 1 end) as total_successes,
        count(case when is_server_error then 1 end) as total_errors,
        {{ deterministic_aggregate('avg', 'latency_ms') }} as overall_avg_latency_ms,
        max(latency_ms) as worst_latency_ms,
        count(distinct user_id) as affected_users,
        sum(request_size_bytes) / 1024.0 / 1024.0 as total_request_mb,
        sum(response_size_bytes) / 1024.0 / 1024.0 as total_response_mb
    from requests
    group by partition_id, shard_id, tenant_category
),

rated as (
    select
        per_partition.*,
        latency_stability.avg_latency_stddev_ms,
        latency_stability.active_windows,
        per_partition.total_successes * 100.0 / per_partition.total_requests as success_rate,
        per_partition.total_errors * 100.0 / per_partition.total_requests as error_rate
    from per_partition
    inner join latency_stability
        on {{ null_safe_join('per_partition', 'latency_stability', partition_keys) }}
    where per_partition.total_requests > {{ min_requests }}
),

assessed as (
    select
        *,
        -- the guide's health score, 0 (worst) to 100, used only to rank the
        -- unhealthy partitions: success rate weighs 40 %; the error rate 30 %,
        -- counted double so that 50 % errors already scores 0; mean latency
        -- 30 %, in bands (full under 1 s, half under 3 s: the guide's own
        -- HIGH_LATENCY line, none above). The weights are the guide's, not vars:
        -- changing them changes only the order of the listed partitions.
        success_rate * 0.4
        + (100 - least(error_rate * 2, 100)) * 0.3
        + (case
            when overall_avg_latency_ms < 1000 then 100
            when overall_avg_latency_ms < 3000 then 50
            else 0
        end) * 0.3 as health_score,
        case
            when error_rate > {{ high_error_rate_pct }} then 'HIGH_ERRORS'
            when overall_avg_latency_ms > {{ high_latency_ms }} then 'HIGH_LATENCY'
            when avg_latency_stddev_ms > {{ unstable_stddev_ms }} then 'UNSTABLE'
            when success_rate < {{ low_success_pct }} then 'LOW_SUCCESS'
            else 'HEALTHY'
        end as partition_status
    from rated
),

unhealthy as (
    select
        partition_id,
        shard_id,
        tenant_category,
        total_requests,
        success_rate,
        error_rate,
        overall_avg_latency_ms,
        avg_latency_stddev_ms,
        worst_latency_ms,
        affected_users,
        total_request_mb,
        total_response_mb,
        active_windows,
        health_score,
        partition_status,
        rank() over (order by round(health_score, 9)) as severity_rank  -- rounded: ties as in step 7
    from assessed
    where partition_status != 'HEALTHY'
),

-- the guide lists at most the 20 worst (ties at the 20th all stay)
top_twenty as (
    select * from unhealthy
    where severity_rank <= 20
)

select * from top_twenty
