{%- set critical_completion_pct = var_number('tsg_workflow_critical_completion_pct', 0, 100) -%}

with steps as (
    select * from {{ ref('int_gateway__workflow_steps_in_scope') }}
),

-- each step row with its place in its workflow: the latest row decides the
-- workflow's scenario, criticality and user; the first failed step that has a
-- name is where the workflow failed
sequenced as (
    select
        *,
        row_number() over (
            partition by workflow_id
            order by step_at desc, correlation_id desc
        ) as recency_rank,
        case
            when workflow_status = 'FAILED' and workflow_step is not null
                then row_number() over (
                    partition by workflow_id, workflow_status = 'FAILED' and workflow_step is not null
                    order by step_at, correlation_id
                )
        end as failed_step_rank
    from steps
),

per_workflow as (
    select
        workflow_id,
        max(case when recency_rank = 1 then scenario_name end) as scenario_name,
        max(case when recency_rank = 1 then business_criticality end) as business_criticality,
        max(case when recency_rank = 1 then user_id end) as user_id,
        max(case when recency_rank = 1 then workflow_status end) as latest_status,
        max(case when workflow_status = 'COMPENSATED' then 1 else 0 end) = 1 as has_compensated_step,
        max(case when workflow_status = 'FAILED' then 1 else 0 end) = 1 as has_failed_step,
        max(case when failed_step_rank = 1 then workflow_step end) as failing_step,
        max(total_workflow_time_ms) as workflow_time_ms,
        coalesce(sum(retry_attempts), 0) as retry_attempts
    from sequenced
    group by workflow_id
),

-- a compensated step wins over a failed one, a failed one over the latest
-- row's status
workflow_outcomes as (
    select
        *,
        case
            when has_compensated_step then 'COMPENSATED'
            when has_failed_step then 'FAILED'
            when latest_status = 'IN_PROGRESS' then 'IN_PROGRESS'
            else 'COMPLETED'
        end as outcome
    from per_workflow
),

per_scenario as (
    select
        scenario_name,
        business_criticality,
        count(*) as total_workflows,
        count(case when outcome = 'COMPLETED' then 1 end) as completed_workflows,
        count(case when outcome = 'FAILED' then 1 end) as failed_workflows,
        count(case when outcome = 'COMPENSATED' then 1 end) as compensated_workflows,
        count(case when outcome = 'IN_PROGRESS' then 1 end) as in_progress_workflows,
        count(distinct case when outcome in ('FAILED', 'COMPENSATED') then user_id end) as affected_users,
        {{ deterministic_aggregate('avg', "case when outcome = 'COMPLETED' then workflow_time_ms end") }}
            as avg_workflow_time_ms,
        cast(sum(retry_attempts) as {{ dbt.type_bigint() }}) as total_retry_attempts
    from workflow_outcomes
    group by scenario_name, business_criticality
),

step_failures as (
    select
        scenario_name,
        business_criticality,
        failing_step,
        count(*) as failures
    from workflow_outcomes
    where failing_step is not null
    group by scenario_name, business_criticality, failing_step
),

-- most failures first, ties alphabetical
ranked_step_failures as (
    select
        *,
        row_number() over (
            partition by scenario_name, business_criticality
            order by failures desc, failing_step asc
        ) as failure_rank
    from step_failures
),

failing_step_summary as (
    select
        scenario_name,
        business_criticality,
        max(case when failure_rank = 1 then failing_step end) as top_failing_step,
        max(case when failure_rank = 1 then failures end) as top_failing_step_failures,
        {{ dbt.listagg(
            "failing_step || ': ' || cast(failures as " ~ dbt.type_string() ~ ")", "'; '", 'order by failure_rank'
        ) }} as failing_steps
    from ranked_step_failures
    group by scenario_name, business_criticality
),

-- workflows still in progress at the end of the window have no outcome yet:
-- the rate is over finished ones (the guide divides by all)
rated as (
    select
        per_scenario.*,
        failing_step_summary.top_failing_step,
        coalesce(failing_step_summary.top_failing_step_failures, 0) as top_failing_step_failures,
        failing_step_summary.failing_steps,
        cast(
            100.0 * per_scenario.completed_workflows
            / nullif(per_scenario.total_workflows - per_scenario.in_progress_workflows, 0) as double
        ) as completion_rate
    from per_scenario
    left join failing_step_summary
        on
            per_scenario.scenario_name = failing_step_summary.scenario_name
            and per_scenario.business_criticality = failing_step_summary.business_criticality
),

assessed as (
    select
        scenario_name,
        business_criticality,
        total_workflows,
        completed_workflows,
        failed_workflows,
        compensated_workflows,
        in_progress_workflows,
        completion_rate,
        affected_users,
        avg_workflow_time_ms,
        total_retry_attempts,
        top_failing_step,
        top_failing_step_failures,
        failing_steps,
        -- affected users x how much the business weighs the scenario x the share that failed
        affected_users
        * case business_criticality
            when 'CRITICAL' then 10
            when 'HIGH' then 5
            when 'MEDIUM' then 2
            else 1
        end
        * (100.0 - completion_rate) / 100.0 as business_impact_score,
        case
            when completion_rate is null then 'NO_FINISHED_WORKFLOWS'
            when completion_rate < {{ critical_completion_pct }} and business_criticality = 'CRITICAL'
                then 'CRITICAL_SCENARIO_FAILING'
            when completion_rate < {{ critical_completion_pct }} then 'DEGRADED'
            else 'HEALTHY'
        end as scenario_status
    from rated
)

select * from assessed
