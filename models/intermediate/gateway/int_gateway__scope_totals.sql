{#- One row: the scope's traffic and 5xx in the window, before the incident
    (the baseline) and during it, the baseline 5xx rate and the availability,
    and the window itself (notify attaches the plan only to a page of the
    scope firing during it). -#}
{%- set window = tsg_window() -%}

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
        coalesce(count(case when is_incident_period and is_server_error then 1 end), 0) as incident_server_errors,
        max(requested_at) as last_request_at
    from requests
),

rated as (
    select
        {{ var_string_literal('tsg_region') }} || ' / ' || {{ var_one_of('tsg_environment', ['dev', 'staging', 'prod']) }}
        || ' / ' || {{ var_string_literal('tsg_service_name') }} as scope_label,
        {{ window.window_start }} as window_start,
        {{ window.incident_start }} as incident_start,
        {{ window.window_end }} as window_end,
        *,
        -- doubles on every engine (on Spark `x * 1.0` is a decimal, and the
        -- attribution's products of decimals would keep only 6 decimals);
        -- with no baseline traffic every incident 5xx counts as excess
        coalesce(cast(baseline_server_errors as double) / nullif(baseline_requests, 0), 0) as baseline_error_rate,
        100 * (1 - cast(window_server_errors as double) / nullif(window_requests, 0)) as window_availability_pct,
        100 * (1 - cast(incident_server_errors as double) / nullif(incident_requests, 0)) as incident_availability_pct
    from counted
)

select * from rated
