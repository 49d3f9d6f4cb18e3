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

sla_status as (
    select * from {{ ref('int_tsg__sla_status') }}
),

-- which findings open an element's lists: a (step, status) and a step are listed once;
-- its first finding (lowest step, then status) words its action
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
        attribution.is_too_few_to_tell,
        attribution.share_of_errors_in_top_candidate,
        attribution.top_dependency_name,
        attribution.top_dependency_share,
        attribution.last_server_error_at,
        attribution.minutes_before_last_request,
        coalesce(attribution.candidate_rank, 0) != 1
        and attribution.share_of_errors_in_top_candidate >= {{ echo_share }} as is_echo_of_priority_1
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

-- the role decides the rank (finding_role in the YAML): a check's element needs 5xx of its own
roled as (
    select
        *,
        case
            when is_symptom then 'SYMPTOM'
            when candidate_rank = 1 then 'LIKELY_ROOT_CAUSE'
            when is_echo_of_priority_1 then 'EXPLAINED_BY_PRIORITY_1'
            when coalesce(is_too_few_to_tell, false) then 'TOO_FEW_TO_TELL'
            -- no attribution row: no request since the incident start, unless a user's own check added the dimension
            when not coalesce(has_own_excess, dimension not in ({{ tsg_attributed_dimension_list() }})) then 'NO_EXCESS_OF_ITS_OWN'
            else 'SEPARATE_FINDING'
        end as finding_role,
        -- an element with 5xx of its own whose last came long before the scope's
        -- last request: the cause may have ended (a release rolled back)
        case
            when has_own_excess and minutes_before_last_request >= {{ stopped_minutes }}
                then cast(floor(minutes_before_last_request) as {{ dbt.type_int() }})
        end as stopped_for_minutes
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
            when coalesce(is_echo_of_priority_1, false) or finding_role in ('NO_EXCESS_OF_ITS_OWN', 'TOO_FEW_TO_TELL') then 11
            else coalesce(first_step, 11)
        end as wording_step,
        case
            when coalesce(is_echo_of_priority_1, false) then 'EXPLAINED_BY_PRIORITY_1'
            when finding_role in ('NO_EXCESS_OF_ITS_OWN', 'TOO_FEW_TO_TELL') then finding_role
            else coalesce(first_status, 'OVER_REPRESENTED')
        end as wording_status,
        concat_ws(
            '; ',
            check_details,
            {{ tsg_attribution_evidence() }},
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
        100 * share_of_errors_in_top_candidate as share_of_errors_in_priority_1_pct,
        stopped_for_minutes
    from roled
),

plan_rows as (
    select * from described
    union all
    select * from sla_status
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
        }) }} as wording_action
    from matched_wording
    where wording_rank = 1
),

-- a cause that stopped is confirmed before it is acted on: rolling back a release already rolled back is no step forward
-- (what priority 1 explains has no action to condition); no semicolon in the text: dbt-spark split a unit test's SQL there
conditioned as (
    select
        *,
        case
            when stopped_for_minutes is not null and wording_status != 'EXPLAINED_BY_PRIORITY_1'
                then
                    'Its 5xx stopped ' || cast(stopped_for_minutes as {{ dbt.type_string() }})
                    || ' min before the scope''s last request: find what ended them (a rollback, a fix, a restart)'
                    || ' and confirm they stay gone. If they return: ' || wording_action
            else wording_action
        end as recommended_action
    from worded
),

prioritised as (
    select
        cast(row_number() over (
            order by
                -- a scope without traffic first (its findings come from other scopes, its parameters are what to check),
                -- or whose traffic stopped at the incident start (a total outage, or its logs stopped): no 5xx to attribute
                case when wording_status in ('NO_TRAFFIC', 'TRAFFIC_COLLAPSE') then 0 else 1 end,
                case finding_role
                    when 'LIKELY_ROOT_CAUSE' then 1
                    when 'SEPARATE_FINDING' then 2
                    when 'EXPLAINED_BY_PRIORITY_1' then 3
                    when 'SYMPTOM' then 4
                    when 'TOO_FEW_TO_TELL' then 5
                    when 'NO_EXCESS_OF_ITS_OWN' then 6
                    else 7
                end,
                case when wording_status = 'CRITICAL_SCENARIO_FAILING' then 0 else 1 end,  -- the guide's definitive resolution path
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
        share_of_errors_in_priority_1_pct,
        stopped_for_minutes
    from conditioned
)

select * from prioritised
