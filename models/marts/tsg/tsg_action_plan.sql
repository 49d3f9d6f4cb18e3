{%- set sla_threshold = var_number('tsg_sla_threshold', 0, 100) -%}
{%- set min_lift = var_number('tsg_plan_min_lift', 0) -%}
{%- set echo_share = var_number('tsg_plan_echo_share', 0, 1) -%}

with version_regression as (
    select * from {{ ref('tsg_step02_version_regression') }}
),

feature_flags as (
    select * from {{ ref('tsg_step03_feature_flags') }}
),

regional_availability as (
    select * from {{ ref('tsg_step04_regional_availability') }}
),

partitions as (
    select * from {{ ref('tsg_step05_partitions') }}
),

zones as (
    select * from {{ ref('tsg_step06_zones') }}
),

endpoints as (
    select * from {{ ref('tsg_step07_endpoints') }}
),

products as (
    select * from {{ ref('tsg_step08_products') }}
),

workflows as (
    select * from {{ ref('tsg_step09_workflows') }}
),

top_errors as (
    select * from {{ ref('tsg_step10_top_errors') }}
),

attribution as (
    select * from {{ ref('int_gateway__element_attribution') }}
),

scope_totals as (
    select * from {{ ref('int_gateway__scope_totals') }}
),

-- every non-healthy row of steps 2-10, as (dimension, value, step, status, numbers)
check_findings as (
    select
        'service_version' as dimension,
        service_version as dimension_value,
        2 as source_step,
        assessment as status,
        'failure rate ' || {{ tsg_format_number('failure_rate') }} || ' % vs '
        || coalesce({{ tsg_format_number('prev_failure_rate') }}, '?') || ' % on the previous version' as detail
    from version_regression
    where assessment != 'NO_REGRESSION'
    union all
    select
        'feature_flag',
        flag_label,
        3,
        flag_status,
        'error rate ' || {{ tsg_format_number('error_rate') }} || ' % of ' || cast(request_count as {{ dbt.type_string() }}) || ' requests'
    from feature_flags
    union all
    select
        case when is_incident_region then 'availability_zone' else 'region' end,
        case when is_incident_region then availability_zone else region || ' ' || availability_zone end,
        4,
        health_status,
        'availability ' || {{ tsg_format_number('availability_pct') }} || ' %, ' || lower(trend) || ' at '
        || {{ tsg_format_number('availability_trend_pp_per_hour', 2) }} || ' points/h'
    from regional_availability
    where health_status != 'HEALTHY'
    union all
    select
        'partition',
        partition_id,
        5,
        partition_status,
        'error rate ' || {{ tsg_format_number('error_rate') }} || ' % of ' || cast(total_requests as {{ dbt.type_string() }}) || ' requests'
    from partitions
    union all
    select
        'availability_zone',
        availability_zone,
        6,
        zone_status,
        instance_type || ' success ' || {{ tsg_format_number('success_rate') }} || ' %'
    from zones
    where zone_status != 'HEALTHY'
    union all
    select
        'endpoint',
        endpoint_label,
        7,
        endpoint_status,
        client_type || ' 5xx ' || {{ tsg_format_number('server_error_rate') }} || ' % of ' || cast(total_requests as {{ dbt.type_string() }})
    from endpoints
    union all
    select
        'customer_tier',
        customer_tier,
        8,
        product_status,
        product_id || ' success ' || {{ tsg_format_number('success_rate') }} || ' %'
    from products
    union all
    select
        'workflow',
        scenario_name,
        9,
        scenario_status,
        'completion ' || {{ tsg_format_number('completion_rate') }} || ' % of ' || cast(total_workflows as {{ dbt.type_string() }})
        || ' workflows'
        || coalesce(', failing step ' || top_failing_step || ' (' || cast(top_failing_step_failures as {{ dbt.type_string() }}) || ')', '')
    from workflows
    where scenario_status not in ('HEALTHY', 'NO_FINISHED_WORKFLOWS')
    union all
    select
        'error',
        error_label,
        10,
        priority || ' ' || error_pattern,
        cast(total_occurrences as {{ dbt.type_string() }}) || ' occurrences, ' || cast(total_affected_users as {{ dbt.type_string() }})
        || ' users, "' || coalesce(most_common_message, '') || '"'
    from top_errors
),

distinct_statuses as (
    select distinct
        dimension,
        dimension_value,
        source_step,
        status
    from check_findings
),

distinct_steps as (
    select distinct
        dimension,
        dimension_value,
        source_step
    from check_findings
),

element_statuses as (
    select
        dimension,
        dimension_value,
        {{ dbt.listagg("status || ' (step ' || cast(source_step as " ~ dbt.type_string() ~ ") || ')'", "'; '", "order by source_step, status") }}
            as check_statuses
    from distinct_statuses
    group by dimension, dimension_value
),

element_steps as (
    select
        dimension,
        dimension_value,
        min(source_step) as first_step,
        {{ dbt.listagg("cast(source_step as " ~ dbt.type_string() ~ ")", "', '", "order by source_step") }} as source_steps
    from distinct_steps
    group by dimension, dimension_value
),

element_details as (
    select
        dimension,
        dimension_value,
        {{ dbt.listagg('detail', "'; '", 'order by source_step, detail') }} as check_details
    from check_findings
    group by dimension, dimension_value
),

flagged_elements as (
    select
        element_statuses.dimension,
        element_statuses.dimension_value,
        element_statuses.check_statuses,
        element_steps.source_steps,
        element_steps.first_step,
        element_details.check_details
    from element_statuses
    inner join element_steps
        on
            element_statuses.dimension = element_steps.dimension
            and element_statuses.dimension_value = element_steps.dimension_value
    inner join element_details
        on
            element_statuses.dimension = element_details.dimension
            and element_statuses.dimension_value = element_details.dimension_value
),

-- checks' findings, plus the elements only the attribution singles out
plan_elements as (
    select
        coalesce(flagged_elements.dimension, attribution.dimension) as dimension,
        coalesce(flagged_elements.dimension_value, attribution.dimension_value) as dimension_value,
        flagged_elements.check_statuses,
        flagged_elements.source_steps,
        flagged_elements.first_step,
        flagged_elements.check_details,
        attribution.incident_requests,
        attribution.incident_server_errors,
        attribution.explanatory_power,
        attribution.traffic_share,
        attribution.error_share,
        attribution.lift,
        attribution.surprise,
        attribution.candidate_rank,
        attribution.share_of_errors_in_top_candidate
    from flagged_elements
    full outer join attribution
        on
            flagged_elements.dimension = attribution.dimension
            and flagged_elements.dimension_value = attribution.dimension_value
    where
        flagged_elements.dimension is not null
        or attribution.candidate_rank = 1
        or (attribution.is_candidate and attribution.lift >= {{ min_lift }})
),

roles as (
    select
        *,
        case
            when dimension in ('workflow', 'error', 'region') then 'SYMPTOM'
            when candidate_rank = 1 then 'LIKELY_ROOT_CAUSE'
            when share_of_errors_in_top_candidate >= {{ echo_share }} then 'EXPLAINED_BY_PRIORITY_1'
            else 'SEPARATE_FINDING'
        end as finding_role
    from plan_elements
),

described as (
    select
        dimension,
        dimension_value,
        finding_role,
        coalesce(check_statuses, 'no check flagged it')
        || case
            when candidate_rank is not null
                then '; over-represented among the incident''s 5xx (attribution rank ' || cast(candidate_rank as {{ dbt.type_string() }}) || ')'
            else ''
        end as finding,
        case
            when finding_role = 'EXPLAINED_BY_PRIORITY_1'
                then
                    'No separate action: ' || {{ tsg_format_number('100 * share_of_errors_in_top_candidate') }}
                    || ' % of its 5xx are in priority 1''s requests; re-check once priority 1 is acted on'
            when dimension = 'service_version' then 'Roll back release ' || dimension_value || ' to the previous version'
            when dimension = 'feature_flag'
                then
                    'Disable feature flag '
                    || {{ dbt.split_part('dimension_value', "'='", 1) }}                     || ' (its value '
                    || dimension_value
                    || ' carries the errors)'
            when dimension = 'availability_zone'
                then
                    'Shift traffic away from zone ' || dimension_value || ' and escalate to the infrastructure team'
            when dimension = 'partition' then 'Fail over or rebalance partition ' || dimension_value || ' and check its shard'
            when dimension = 'endpoint' then 'Fix or put a fallback on ' || dimension_value || ' and notify its owning team'
            when dimension = 'customer_tier'
                then
                    'Notify the account teams of ' || dimension_value || ' customers and prioritise their recovery'
            when dimension = 'product' then 'Notify the product team of ' || dimension_value
            when dimension = 'workflow' then 'Notify the owners of workflow ' || dimension_value || ' and watch its failing step'
            when dimension = 'error' and share_of_errors_in_top_candidate >= {{ echo_share }}
                then
                    'Should clear with priority 1 (' || {{ tsg_format_number('100 * share_of_errors_in_top_candidate') }}
                    || ' % of these errors are in its requests); else apply a targeted fix to ' || dimension_value
            when dimension = 'error' then 'Apply a targeted fix to ' || dimension_value
            when dimension = 'region' then 'Redirect traffic away from ' || dimension_value || ' or scale it'
        end as recommended_action,
        concat_ws(
            '; ',
            check_details,
            case
                when incident_requests is not null then
                    'since the incident start: ' || cast(incident_server_errors as {{ dbt.type_string() }}) || ' 5xx in '
                    || cast(incident_requests as {{ dbt.type_string() }}) || ' requests, '
                    || {{ tsg_format_number('100 * error_share') }} || ' % of the 5xx on '
                    || {{ tsg_format_number('100 * traffic_share') }} || ' % of the traffic'
            end,
            case
                when explanatory_power is not null then
                    'explains ' || {{ tsg_format_number('100 * explanatory_power') }} || ' % of the excess 5xx (lift '
                    || {{ tsg_format_number('lift', 2) }} || ', surprise ' || {{ tsg_format_number('surprise', 4) }} || ')'
            end,
            case
                when share_of_errors_in_top_candidate is not null and coalesce(candidate_rank, 0) != 1 then
                    {{ tsg_format_number('100 * share_of_errors_in_top_candidate') }} || ' % of its 5xx are in priority 1''s requests'
            end
        ) as evidence,
        source_steps,
        first_step,
        explanatory_power,
        surprise,
        100 * traffic_share as traffic_share_pct,
        100 * error_share as error_share_pct,
        lift,
        100 * share_of_errors_in_top_candidate as share_of_errors_in_priority_1_pct
    from roles
),

sla_row as (
    select
        'sla' as dimension,
        scope_label as dimension_value,
        'SLA_STATUS' as finding_role,
        case
            when window_requests = 0 then 'NO_TRAFFIC: no real request in the scope and window'
            when window_availability_pct < {{ sla_threshold }} then 'SLA_BREACHED: availability below {{ sla_threshold }} %'
            else 'SLA_MET: availability at or above {{ sla_threshold }} %'
        end as finding,
        case
            when window_requests = 0 then 'Check the incident parameters (region, environment, service, times)'
            when window_availability_pct < {{ sla_threshold }}
                then
                    'Update the incident channel, notify the affected product teams, escalate per the SLA'
            else 'Keep monitoring; update the incident channel'
        end as recommended_action,
        'availability ' || coalesce({{ tsg_format_number('window_availability_pct', 3) }}, '?') || ' % over the window ('
        || cast(window_requests as {{ dbt.type_string() }}) || ' requests, '
        || cast(window_server_errors as {{ dbt.type_string() }}) || ' 5xx), '
        || coalesce({{ tsg_format_number('incident_availability_pct', 3) }}, '?') || ' % since the incident start, baseline 5xx rate '
        || {{ tsg_format_number('100 * baseline_error_rate', 3) }} || ' %; threshold {{ sla_threshold }} %' as evidence,
        cast(null as {{ dbt.type_string() }}) as source_steps,
        cast(null as {{ dbt.type_int() }}) as first_step,
        cast(null as double) as explanatory_power,
        cast(null as double) as surprise,
        cast(null as double) as traffic_share_pct,
        cast(null as double) as error_share_pct,
        cast(null as double) as lift,
        cast(null as double) as share_of_errors_in_priority_1_pct
    from scope_totals
),

all_rows as (
    select * from described
    union all
    select * from sla_row
),

prioritised as (
    select
        row_number() over (
            order by
                case finding_role
                    when 'LIKELY_ROOT_CAUSE' then 1
                    when 'SEPARATE_FINDING' then 2
                    when 'EXPLAINED_BY_PRIORITY_1' then 3
                    when 'SYMPTOM' then 4
                    else 5
                end,
                surprise desc nulls last,
                explanatory_power desc nulls last,
                first_step asc,
                dimension asc,
                dimension_value asc
        ) as priority,
        dimension,
        dimension_value,
        finding,
        recommended_action,
        evidence,
        finding_role,
        source_steps,
        explanatory_power,
        surprise,
        traffic_share_pct,
        error_share_pct,
        lift,
        share_of_errors_in_priority_1_pct
    from all_rows
)

select * from prioritised
