{#- The action plan's SLA row, in the plan's shape: whether the scope's
    availability over the window (share of requests without a 5xx) is below
    tsg_sla_threshold, or NO_TRAFFIC (no request in the window: check the
    incident parameters), or TRAFFIC_COLLAPSE (requests before the incident
    start, none after it: a total outage, or its logs stopped). -#}
{%- set sla_threshold = var_number('tsg_sla_threshold', 0, 100, exclusive=true) -%}

with scope_totals as (
    select * from {{ ref('int_gateway__scope_totals') }}
),

sla_row as (
    select
        'sla' as dimension,
        scope_label as dimension_value,
        'SLA_STATUS' as finding_role,
        case
            when window_requests = 0 then 'NO_TRAFFIC: no real request in the scope and window'
            when incident_requests = 0
                then
                    'TRAFFIC_COLLAPSE: no request logged since the incident start, '
                    || cast(baseline_requests as {{ dbt.type_string() }})
                    || ' before it: the service stopped serving or stopped logging'
            when window_availability_pct < {{ sla_threshold }} then 'SLA_BREACHED: availability below {{ sla_threshold }} %'
            else 'SLA_MET: availability at or above {{ sla_threshold }} %'
        end as finding,
        11 as wording_step,
        case
            when window_requests = 0 then 'NO_TRAFFIC'
            when incident_requests = 0 then 'TRAFFIC_COLLAPSE'
            when window_availability_pct < {{ sla_threshold }} then 'SLA_BREACHED'
            else 'SLA_MET'
        end as wording_status,
        'availability ' || coalesce({{ tsg_format_number('window_availability_pct', 3) }}, '?') || ' % over the window ('
        || cast(window_requests as {{ dbt.type_string() }}) || ' requests, '
        || cast(window_server_errors as {{ dbt.type_string() }}) || ' 5xx), '
        || coalesce({{ tsg_format_number('incident_availability_pct', 3) }} || ' %', 'no request') || ' since the incident start, baseline 5xx rate '
        || {{ tsg_format_number('100 * baseline_error_rate', 3) }} || ' %; threshold {{ sla_threshold }} %' as evidence,
        cast(null as {{ dbt.type_string() }}) as source_steps,
        cast(null as {{ dbt.type_int() }}) as first_step,
        cast(null as double) as explanatory_power,
        cast(null as double) as surprise,
        cast(null as double) as traffic_share_pct,
        cast(null as double) as error_share_pct,
        cast(null as double) as lift,
        cast(null as double) as share_of_errors_in_priority_1_pct,
        cast(null as {{ dbt.type_int() }}) as stopped_for_minutes
    from scope_totals
)

select * from sla_row
