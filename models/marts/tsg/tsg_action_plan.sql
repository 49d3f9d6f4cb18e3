{%- set sla_threshold = var_number('tsg_sla_threshold', 0, 100, exclusive=true) -%}
{%- set min_lift = var_number('tsg_plan_min_lift', 0) -%}
{%- set echo_share = var_number('tsg_plan_echo_share', 0, 1) -%}
{%- set stopped_minutes = var_number('tsg_plan_stopped_minutes', 0) -%}

with findings as (
    select * from {{ ref('int_tsg__findings') }}
),

wording as (
    select * from {{ ref('tsg_action_wording') }}
),

attribution as (
    select * from {{ ref('int_gateway__element_attribution') }}
),

scope_totals as (
    select * from {{ ref('int_gateway__scope_totals') }}
),

-- which findings open an element's lists: a (step, status) and a step are
-- listed once; its first finding (lowest step, then status) words its action
numbered_findings as (
    select
        *,
        row_number() over (partition by dimension, dimension_value, step, status order by evidence) as status_occurrence,
        row_number() over (partition by dimension, dimension_value, step order by status, evidence) as step_occurrence,
        row_number() over (partition by dimension, dimension_value order by step, status, evidence) as finding_order
    from findings
),

flagged_elements as (
    select
        dimension,
        dimension_value,
        {{ dbt.listagg(
            "case when status_occurrence = 1 then status || ' (step ' || cast(step as " ~ dbt.type_string() ~ ") || ')' end",
            "'; '", 'order by step, status'
        ) }} as check_statuses,
        {{ dbt.listagg(
            "case when step_occurrence = 1 then cast(step as " ~ dbt.type_string() ~ ") end", "', '", 'order by step'
        ) }} as source_steps,
        {{ dbt.listagg('evidence', "'; '", 'order by step, evidence') }} as check_details,
        min(step) as first_step,
        max(case when finding_order = 1 then status end) as first_status,
        max(case when is_symptom then 1 else 0 end) = 1 as is_symptom
    from numbered_findings
    group by dimension, dimension_value
),

-- the checks' elements, plus the elements only the attribution singles out
plan_elements as (
    select
        coalesce(flagged_elements.dimension, attribution.dimension) as dimension,
        coalesce(flagged_elements.dimension_value, attribution.dimension_value) as dimension_value,
        flagged_elements.check_statuses,
        flagged_elements.source_steps,
        flagged_elements.check_details,
        flagged_elements.first_step,
        flagged_elements.first_status,
        coalesce(flagged_elements.is_symptom, false) as is_symptom,
        attribution.incident_requests,
        attribution.incident_server_errors,
        attribution.explanatory_power,
        attribution.traffic_share,
        attribution.error_share,
        attribution.lift,
        attribution.window_traffic_share,
        attribution.window_error_share,
        attribution.surprise,
        attribution.candidate_rank,
        attribution.has_own_excess,
        attribution.share_of_errors_in_top_candidate,
        attribution.last_server_error_at,
        -- minutes from the element's last 5xx to the scope's last request: a cause
        -- that has stopped (a release rolled back) leaves a gap the rest of the
        -- traffic fills
        (
            {{ epoch_seconds('scope_totals.last_request_at') }} - {{ epoch_seconds('attribution.last_server_error_at') }}
        ) / 60.0 as minutes_since_last_server_error,
        coalesce(attribution.candidate_rank, 0) != 1
        and attribution.share_of_errors_in_top_candidate >= {{ echo_share }} as is_echo_of_priority_1
    from flagged_elements
    full outer join attribution
        on
            flagged_elements.dimension = attribution.dimension
            and flagged_elements.dimension_value = attribution.dimension_value
    cross join scope_totals
    where
        flagged_elements.dimension is not null
        or attribution.candidate_rank = 1
        or (attribution.is_candidate and attribution.lift >= {{ min_lift }})
),

-- the role decides the rank: an element a check flags whose 5xx are no more than its
-- share at the scope's rate (or none at all: a tier flagged for its 404s) is no
-- separate finding
roled as (
    select
        *,
        case
            when is_symptom then 'SYMPTOM'
            when candidate_rank = 1 then 'LIKELY_ROOT_CAUSE'
            when is_echo_of_priority_1 then 'EXPLAINED_BY_PRIORITY_1'
            when not coalesce(has_own_excess, true) then 'NO_EXCESS_OF_ITS_OWN'
            else 'SEPARATE_FINDING'
        end as finding_role
    from plan_elements
),

-- the wording key (step, status) the action's text
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
            when coalesce(is_echo_of_priority_1, false) or finding_role = 'NO_EXCESS_OF_ITS_OWN' then 11
            else coalesce(first_step, 11)
        end as wording_step,
        case
            when coalesce(is_echo_of_priority_1, false) then 'EXPLAINED_BY_PRIORITY_1'
            when finding_role = 'NO_EXCESS_OF_ITS_OWN' then finding_role
            else coalesce(first_status, 'OVER_REPRESENTED')
        end as wording_status,
        concat_ws(
            '; ',
            check_details,
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
                    'the scope has no excess 5xx since the incident start (no more than its baseline rate forecasts)'
            end,
            case
                -- said of an element with 5xx of its own: the rest have a few background 5xx
                when has_own_excess and minutes_since_last_server_error >= {{ stopped_minutes }} then
                    'last 5xx at ' || cast({{ dbt.date_trunc('second', 'last_server_error_at') }} as {{ dbt.type_string() }})
                    || ', ' || cast(cast(floor(minutes_since_last_server_error) as {{ dbt.type_int() }}) as {{ dbt.type_string() }})
                    || ' min before the scope''s last request: already stopped?'
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
    from roled
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
        cast(null as double) as share_of_errors_in_priority_1_pct
    from scope_totals
),

plan_rows as (
    select * from described
    union all
    select * from sla_row
),

-- the most specific wording row: the element's own dimension before `*`,
-- its own status before `*`
matched_wording as (
    select
        plan_rows.*,
        wording.recommended_action as action_template,
        row_number() over (
            partition by plan_rows.dimension, plan_rows.dimension_value
            order by
                case when wording.dimension = '*' then 1 else 0 end,
                case when wording.status = '*' then 1 else 0 end
        ) as wording_rank
    from plan_rows
    left join wording
        on
            plan_rows.wording_step = wording.step
            and wording.dimension in (plan_rows.dimension, '*')
            and wording.status in (plan_rows.wording_status, '*')
),

worded as (
    select
        *,
        {{ tsg_fill_wording('action_template', {
            'dimension_value': 'dimension_value',
            'flag_name': dbt.split_part('dimension_value', "'='", 1),
            'share_in_priority_1_pct': tsg_format_number('share_of_errors_in_priority_1_pct'),
        }) }} as recommended_action
    from matched_wording
    where wording_rank = 1
),

prioritised as (
    select
        cast(row_number() over (
            order by
                -- a scope without traffic first: its findings come from other scopes (other
                -- regions, cross-region checks), and its parameters are what to check; so does
                -- a scope whose traffic stopped at the incident start (a total outage, or
                -- its logs stopped): no 5xx can be attributed when nothing is logged
                case when wording_status in ('NO_TRAFFIC', 'TRAFFIC_COLLAPSE') then 0 else 1 end,
                case finding_role
                    when 'LIKELY_ROOT_CAUSE' then 1
                    when 'SEPARATE_FINDING' then 2
                    when 'EXPLAINED_BY_PRIORITY_1' then 3
                    when 'SYMPTOM' then 4
                    when 'NO_EXCESS_OF_ITS_OWN' then 5
                    else 6
                end,
                surprise desc nulls last,
                explanatory_power desc nulls last,
                first_step asc nulls last,
                dimension asc,
                dimension_value asc
        ) as {{ dbt.type_bigint() }}) as priority,  -- Spark's row_number is an int
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
    from worded
)

select * from prioritised
