{%- set min_requests = var_integer('tsg_product_min_requests', 0) -%}
{%- set premium_sla_pct = var_number('tsg_product_premium_sla_pct', 0, 100) -%}
{%- set standard_sla_pct = var_number('tsg_product_standard_sla_pct', 0, 100) -%}
{%- set critical_success_pct = var_number('tsg_product_critical_success_pct', 0, 100) -%}
{%- set retry_rate_pct = var_number('tsg_product_retry_rate_pct', 0, 100) -%}
{%- set dependency_failure_pct = var_number('tsg_product_dependency_failure_pct', 0, 100) -%}
{%- set high_latency_ms = var_number('tsg_product_high_latency_ms', 0) -%}

with requests as (
    select * from {{ ref('int_gateway__request_products_in_scope') }}
),

per_product as (
    select
        product_id,
        product_category,
        customer_tier,
        subscription_type,
        count(*) as total_requests,
        count(case when is_success then 1 end) as total_successful,
        count(distinct user_id) as affected_users,
        count(distinct session_id) as total_sessions,
        count(case when is_retry then 1 end) as retry_count,
        {{ deterministic_aggregate('avg', 'latency_ms') }} as overall_avg_latency_ms,
        max(latency_ms) as worst_case_latency_ms,
        sum(data_processed_bytes) / 1024.0 / 1024.0 as total_data_mb,
        {{ deterministic_aggregate('avg', 'case when has_dependency_failure then 100.0 else 0.0 end') }} as avg_dependency_failures,
        count(distinct {{ time_bucket_minutes('requested_at', 30) }}) as active_periods
    from requests
    group by product_id, product_category, customer_tier, subscription_type
),

rated as (
    select
        *,
        total_successful * 100.0 / total_requests as success_rate,
        retry_count * 100.0 / total_requests as retry_rate
    from per_product
    where total_requests > {{ min_requests }}
),

assessed as (
    select
        *,
        case
            when customer_tier = 'PREMIUM' and success_rate < {{ premium_sla_pct }} then 'SLA_BREACH_PREMIUM'
            when customer_tier = 'STANDARD' and success_rate < {{ standard_sla_pct }} then 'SLA_BREACH_STANDARD'
            when success_rate < {{ critical_success_pct }} then 'CRITICAL'
            when retry_rate > {{ retry_rate_pct }} then 'HIGH_RETRY_RATE'
            when avg_dependency_failures > {{ dependency_failure_pct }} then 'DEPENDENCY_ISSUES'
            when overall_avg_latency_ms > {{ high_latency_ms }} then 'PERFORMANCE_DEGRADED'
            else 'HEALTHY'
        end as product_status,
        -- the guide's business impact, used only for `priority`: affected users
        -- weighted by what the tier pays (PREMIUM 10, STANDARD 3, others 1)
        -- times the share of their requests that failed
        (case customer_tier
            when 'PREMIUM' then affected_users * 10
            when 'STANDARD' then affected_users * 3
            else affected_users
        end) * (100 - success_rate) / 100 as business_impact_score
    from rated
),

unhealthy as (
    select
        product_id,
        product_category,
        customer_tier,
        subscription_type,
        total_requests,
        success_rate,
        affected_users,
        total_sessions,
        retry_rate,
        overall_avg_latency_ms,
        worst_case_latency_ms,
        total_data_mb,
        avg_dependency_failures,
        active_periods,
        product_status,
        business_impact_score,
        dense_rank() over (order by business_impact_score desc) as priority
    from assessed
    where product_status != 'HEALTHY'
),

top_twenty as (
    select * from unhealthy
    where priority <= 20
)

select * from top_twenty
