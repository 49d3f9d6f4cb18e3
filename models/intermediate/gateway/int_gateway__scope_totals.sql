{#- One row: the scope's traffic and 5xx in the window, before the incident
    (the baseline) and during it, the baseline 5xx rate and the availability. -#}
with requests as (
    select * from {{ ref('int_gateway__requests_in_scope') }}
),

counted as (
    select
        count(*) as window_requests,
        coalesce(count(case when is_server_error then 1 end), 0) as window_server_errors,
        coalesce(count(case when not is_incident_period then 1 end), 0) as baseline_requests,
        coalesce(count(case when not is_incident_period and is_server_error then 1 end), 0) as baseline_server_errors,
        coalesce(count(case when is_incident_period then 1 end), 0) as incident_requests,
        coalesce(count(case when is_incident_period and is_server_error then 1 end), 0) as incident_server_errors
    from requests
),

rated as (
    select
        {{ var_string_literal('tsg_region') }} || ' / ' || {{ var_one_of('tsg_environment', ['dev', 'staging', 'prod']) }}
        || ' / ' || {{ var_string_literal('tsg_service_name') }} as scope_label,
        *,
        -- with no baseline traffic every incident 5xx counts as excess
        coalesce(baseline_server_errors * 1.0 / nullif(baseline_requests, 0), 0) as baseline_error_rate,
        100.0 * (1 - window_server_errors * 1.0 / nullif(window_requests, 0)) as window_availability_pct,
        100.0 * (1 - incident_server_errors * 1.0 / nullif(incident_requests, 0)) as incident_availability_pct
    from counted
)

select * from rated
