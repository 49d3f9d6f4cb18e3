{#- The attribution's part of an action-plan row's evidence, as the
    comma-separated arguments of the plan's concat_ws (a null clause is left
    out): the element's 5xx and traffic since the incident start (lift), its
    shares of the window's (surprise), the share of the excess it explains or
    that the scope has none, the dependency more than half of its 5xx failed
    in (a dependency timing out behind an endpoint), and its last 5xx when the
    plan holds its cause as stopped (stopped_for_minutes: 5xx of its own, the
    last of them tsg_plan_stopped_minutes or more before the scope's last
    request). Over the columns of tsg_action_plan's roled CTE. -#}
{% macro tsg_attribution_evidence() -%}
    case
        when incident_requests is not null then
            'since the incident start: ' || cast(incident_server_errors as {{ dbt.type_string() }}) || ' 5xx in '
            || cast(incident_requests as {{ dbt.type_string() }}) || ' requests, '
            || {{ tsg_format_number('100 * error_share') }} || ' % of the 5xx on '
            || {{ tsg_format_number('100 * traffic_share') }} || ' % of the traffic (lift '
            || {{ tsg_format_number('lift', 2) }} || ')'
    end,
    case
        when window_traffic_share is not null then
            'over the window, baseline included: ' || {{ tsg_format_number('100 * window_error_share') }}
            || ' % of the 5xx on ' || {{ tsg_format_number('100 * window_traffic_share') }}
            || ' % of the traffic (surprise ' || {{ tsg_format_number('surprise', 4) }} || ')'
    end,
    case
        when explanatory_power is not null
            then
                'explains ' || {{ tsg_format_number('100 * explanatory_power') }} || ' % of the excess 5xx'
        when incident_requests is not null then
            'the scope has no excess 5xx since the incident start (not one 5xx more than its baseline rate forecasts)'
    end,
    case
        when top_dependency_share > 0.5 then
            {{ tsg_format_number('100 * top_dependency_share') }} || ' % of its 5xx failed in dependency '
            || top_dependency_name
    end,
    case
        when stopped_for_minutes is not null then
            'last 5xx at ' || cast({{ dbt.date_trunc('second', 'last_server_error_at') }} as {{ dbt.type_string() }})
            || ', ' || cast(stopped_for_minutes as {{ dbt.type_string() }})
            || ' min before the scope''s last request: already stopped?'
    end
{%- endmacro %}
