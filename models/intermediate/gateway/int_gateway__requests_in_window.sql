{#- Real requests of the incident's environment and service in the analysis
    window, every region (int_gateway__requests_in_scope keeps the incident's
    region). The scope vars reach SQL here, in int_gateway__workflow_steps_in_scope
    (workflows have no service) and in int_gateway__scope_totals (the SLA row's
    label), each through a validating reader. -#}
{%- set window = tsg_window() -%}

with requests as (
    select * from {{ ref('stg_gateway__api_gateway_logs') }}
),

in_window as (
    select
        *,
        region = lower({{ var_string_literal('tsg_region') }}) as is_incident_region,
        requested_at >= {{ window.incident_start }} as is_incident_period,
        status_code >= 500 as is_server_error,
        status_code between 200 and 299 as is_success,
        status_code between 400 and 499 as is_client_error
    from requests
    where
        requested_at between {{ window.window_start }} and {{ window.window_end }}
        and environment = {{ var_one_of('tsg_environment', ['dev', 'staging', 'prod']) }}
        and service_name = {{ var_string_literal('tsg_service_name') }}
        and not is_test_traffic
)

select * from in_window
