{%- set window = tsg_window() -%}
{%- set spike_per_hour = var_number('tsg_error_spike_per_hour', 0) -%}
{%- set cascading_share = var_number('tsg_error_cascading_share', 0, 1) -%}
{%- set transient_retry_share = var_number('tsg_error_transient_retry_share', 0, 1) -%}
{%- set high_affected_users = var_integer('tsg_error_high_affected_users', 0) -%}
{%- set urgent_hours = var_number('tsg_error_urgent_hours', 0) -%}
{%- set pattern_keys = ['error_category', 'exception_type', 'service_component', 'dependency_name'] -%}

with requests as (
    select * from {{ ref('int_gateway__requests_in_scope') }}
),

server_errors as (
    select * from requests
    where is_server_error
),

message_counts as (
    select
        error_category,
        exception_type,
        service_component,
        dependency_name,
        exception_message,
        count(*) as occurrences
    from server_errors
    group by error_category, exception_type, service_component, dependency_name, exception_message
),

ranked_messages as (
    select
        *,
        row_number() over (
            partition by error_category, exception_type, service_component, dependency_name
            order by occurrences desc, exception_message asc
        ) as message_rank
    from message_counts
),

most_common_message as (
    select
        error_category,
        exception_type,
        service_component,
        dependency_name,
        exception_message as most_common_message
    from ranked_messages
    where message_rank = 1
),

patterns as (
    select
        error_category,
        exception_type,
        service_component,
        dependency_name,
        count(distinct stack_trace_hash) as unique_stacktraces,
        count(*) as total_occurrences,
        count(distinct user_id) as total_affected_users,
        count(distinct session_id) as total_affected_sessions,
        min(requested_at) as pattern_first_seen,
        max(requested_at) as pattern_last_seen,
        {{ deterministic_aggregate('avg', 'latency_ms') }} as avg_error_latency_ms,
        count(distinct {{ dbt.date_trunc('hour', 'requested_at') }}) as hours_affected,
        count(case when is_retry then 1 end) as total_retries,
        count(case when is_cascading_failure then 1 end) as total_cascading
    from server_errors
    group by error_category, exception_type, service_component, dependency_name
),

measured as (
    select
        patterns.*,
        most_common_message.most_common_message,
        -- errors per hour between the first and the last occurrence (null for a single instant)
        patterns.total_occurrences / nullif(
            ({{ epoch_seconds('patterns.pattern_last_seen') }} - {{ epoch_seconds('patterns.pattern_first_seen') }}) / 3600.0, 0
        ) as error_velocity,
        ({{ epoch_seconds(window.window_end) }} - {{ epoch_seconds('patterns.pattern_first_seen') }}) / 3600.0
            as hours_since_start
    from patterns
    inner join most_common_message
        on {{ null_safe_join('patterns', 'most_common_message', pattern_keys) }}
),

classified as (
    select
        *,
        {{ tsg_error_label('exception_type', 'service_component') }} as error_label,
        -- the guide's impact score, used only to rank the patterns: a weighted
        -- sum of counts, so it grows with the size of the incident. Affected
        -- users weigh most (0.4: the users' view of the outage), occurrences
        -- 0.3, failures that cascaded 0.2 (each one spreads), velocity in
        -- errors per hour 0.1 (a tie-breaker towards fast-growing patterns)
        total_occurrences * 0.3
        + total_affected_users * 0.4
        + total_cascading * 0.2
        + coalesce(error_velocity, 0) * 0.1 as impact_score,
        case
            when error_velocity > {{ spike_per_hour }} then 'SPIKE'
            when total_cascading > total_occurrences * {{ cascading_share }} then 'CASCADING'
            when dependency_name is not null then 'DEPENDENCY'
            when total_retries > total_occurrences * {{ transient_retry_share }} then 'TRANSIENT'
            else 'PERSISTENT'
        end as error_pattern
    from measured
),

prioritised as (
    select
        *,
        case
            when error_pattern = 'CASCADING' then 'CRITICAL'
            when error_pattern = 'SPIKE' and hours_since_start < {{ urgent_hours }} then 'URGENT'
            when total_affected_users > {{ high_affected_users }} then 'HIGH'
            when error_pattern = 'DEPENDENCY' then 'MEDIUM'
            else 'LOW'
        end as priority,
        row_number() over (
            order by impact_score desc, error_category asc, exception_type asc, service_component asc, dependency_name asc
        ) as error_rank
    from classified
),

-- the guide keeps the ten highest impact scores
top_ten as (
    select
        error_category,
        exception_type,
        service_component,
        dependency_name,
        error_label,
        unique_stacktraces,
        total_occurrences,
        total_affected_users,
        total_affected_sessions,
        pattern_first_seen,
        pattern_last_seen,
        avg_error_latency_ms,
        hours_affected,
        total_retries,
        total_cascading,
        error_velocity,
        error_pattern,
        priority,
        most_common_message,
        hours_since_start,
        impact_score,
        error_rank
    from prioritised
    where error_rank <= 10
)

select * from top_ten
