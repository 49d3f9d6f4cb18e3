{#-
  Adtributor-style attribution of the incident period's 5xx to elements
  (Bhagwan et al., NSDI 2014). Forecast = the element's incident traffic at
  the scope's baseline 5xx rate; excess = actual - forecast. Explanatory
  power, shares, lift and surprise (a Jensen-Shannon term) are defined in the YAML.
  Surprise is measured over the window, not the incident period alone: a release
  or flag that reaches all the incident's traffic has no surprise inside it
  (100 % of the traffic, 100 % of the 5xx), but carries none of the baseline's
  traffic, so over the window it holds the 5xx on half the traffic. Elements
  present all along with their usual share of 5xx stay near 0 either way.
  A candidate (never an `error` signature or a `dependency` a 5xx failed in:
  how it fails, not where) explains at least tsg_plan_min_explanatory_power
  of the excess and is over-represented among the window's 5xx by more than
  chance: its 5xx rate above the rest of the scope's by tsg_plan_min_z
  standard errors (two-proportion z over the incident period or the window,
  the higher: a change on all the incident's traffic has no rest inside it),
  as one of 25-50 elements always is when 5xx strike at random, and with
  tsg_plan_min_server_errors 5xx (one 5xx in 23 requests scores z 4.6).
  Candidates rank by surprise. The share of an element's 5xx in the top candidate's
  requests says whether it is an echo of it, and the dependency most of its
  5xx failed in names what an endpoint's timeouts wait on.
-#}
{%- set min_explanatory_power = var_number('tsg_plan_min_explanatory_power', 0, 1) -%}
{%- set min_z = var_number('tsg_plan_min_z', 0) -%}
{%- set min_server_errors = var_integer('tsg_plan_min_server_errors', 1) -%}
{#- an excess of one 5xx or more (8 - 25 x 7/25 is 0.9999999999999991 in doubles) -#}
{%- set scope_has_excess = 'totals.incident_server_errors - totals.incident_requests * totals.baseline_error_rate > 1 - 1e-9' -%}

with window_elements as (
    select * from {{ ref('int_gateway__window_request_elements') }}
),

totals as (
    select * from {{ ref('int_gateway__scope_totals') }}
),

elements as (
    select * from window_elements
    where is_incident_period
),

element_window_counts as (
    select
        dimension,
        dimension_value,
        count(distinct case when is_incident_period then request_id end) as incident_requests,
        count(distinct case when is_incident_period and is_server_error then request_id end) as incident_server_errors,
        count(distinct request_id) as window_requests,
        count(distinct case when is_server_error then request_id end) as window_server_errors,
        max(case when is_incident_period and is_server_error then requested_at end) as last_server_error_at
    from window_elements
    group by dimension, dimension_value
),

-- elements seen in the baseline only have no part in the incident
element_counts as (
    select * from element_window_counts
    where incident_requests > 0
),

measured as (
    select
        element_counts.*,
        element_counts.incident_requests * totals.baseline_error_rate as expected_server_errors,
        -- a share of the excess only when there is one, a 5xx or more: with fewer the denominator
        -- is negative or near 0, and the share meaningless ("explains 538.5 %" of 0.2 5xx)
        case
            when {{ scope_has_excess }}
                then
                    (element_counts.incident_server_errors - element_counts.incident_requests * totals.baseline_error_rate)
                    / (totals.incident_server_errors - totals.incident_requests * totals.baseline_error_rate)
        end as explanatory_power,
        -- a cause that has stopped (a release rolled back) leaves a gap the rest of
        -- the traffic fills
        (
            {{ epoch_seconds('totals.last_request_at') }} - {{ epoch_seconds('element_counts.last_server_error_at') }}
        ) / 60 as minutes_before_last_request,
        cast(element_counts.incident_requests as double) / nullif(totals.incident_requests, 0) as traffic_share,
        cast(element_counts.incident_server_errors as double) / nullif(totals.incident_server_errors, 0) as error_share,
        cast(element_counts.window_requests as double) / nullif(totals.window_requests, 0) as window_traffic_share,
        cast(element_counts.window_server_errors as double) / nullif(totals.window_server_errors, 0) as window_error_share,
        {{ scope_has_excess }} as scope_has_excess,
        {{ two_proportion_z('element_counts.incident_server_errors', 'element_counts.incident_requests',
                            'totals.incident_server_errors', 'totals.incident_requests') }} as incident_z,
        {{ two_proportion_z('element_counts.window_server_errors', 'element_counts.window_requests',
                            'totals.window_server_errors', 'totals.window_requests') }} as window_z
    from element_counts
    cross join totals
),

scored as (
    select
        *,
        error_share / nullif(traffic_share, 0) as lift,
        window_error_share / nullif(window_traffic_share, 0) as window_lift,
        0.5 * (
            {{ x_log_x_over_y('window_traffic_share', '(window_traffic_share + window_error_share) / 2') }}
            + {{ x_log_x_over_y('window_error_share', '(window_traffic_share + window_error_share) / 2') }}
        ) as surprise,
        -- greatest() of the two that exist (a change on all the incident's traffic has no incident z)
        case
            when incident_z is null then window_z
            when window_z is null then incident_z
            else greatest(incident_z, window_z)
        end as over_representation_z
    from measured
),

flagged_candidates as (
    select
        *,
        coalesce(
            scope_has_excess
            and dimension not in ('error', 'dependency')
            and explanatory_power >= {{ min_explanatory_power }}
            and window_error_share > window_traffic_share
            and over_representation_z >= {{ min_z }}
            and incident_server_errors >= {{ min_server_errors }},
            false
        ) as is_candidate,
        -- more 5xx than its traffic at the baseline rate forecasts, and at a higher rate
        -- than the scope's (over the incident period, or over the window for a change
        -- that carries all the incident's traffic): 5xx of its own, not the scope's share
        coalesce(incident_server_errors > expected_server_errors and (lift > 1 or window_lift > 1), false) as is_over_its_share,
        coalesce(incident_server_errors >= {{ min_server_errors }} and over_representation_z >= {{ min_z }}, false) as is_beyond_chance
    from scored
),

-- too few to tell, chance: under tsg_plan_min_server_errors such 5xx or tsg_plan_min_z (operator
-- trials: 2 5xx in 350 requests, z 1.9, and 10 in 2,090, z 1.6, topped quiet and healthy plans)
ranked as (
    select
        *,
        is_over_its_share and is_beyond_chance as has_own_excess,
        is_over_its_share and not is_beyond_chance as is_too_few_to_tell,
        case
            when is_candidate then
                row_number() over (
                    partition by is_candidate
                    order by surprise desc, explanatory_power desc, dimension asc, dimension_value asc
                )
        end as candidate_rank
    from flagged_candidates
),

top_candidate_requests as (
    select elements.request_id
    from elements
    inner join ranked
        on
            elements.dimension = ranked.dimension
            and elements.dimension_value = ranked.dimension_value
    where ranked.candidate_rank = 1
),

overlap_with_top as (
    select
        elements.dimension,
        elements.dimension_value,
        count(distinct case
            when elements.is_server_error and top_candidate_requests.request_id is not null
                then elements.request_id
        end) as server_errors_in_top_candidate
    from elements
    left join top_candidate_requests
        on elements.request_id = top_candidate_requests.request_id
    group by elements.dimension, elements.dimension_value
),

-- the dependency each element's incident 5xx failed in most often (a dependency
-- timing out behind an endpoint), and how many of them
element_dependency_errors as (
    select
        elements.dimension,
        elements.dimension_value,
        failed_in.dimension_value as dependency_name,
        count(distinct elements.request_id) as server_errors
    from elements
    inner join elements as failed_in
        on
            elements.request_id = failed_in.request_id
            and failed_in.dimension = 'dependency'
    where elements.is_server_error and elements.dimension != 'dependency'
    group by elements.dimension, elements.dimension_value, failed_in.dimension_value
),

ranked_dependency_errors as (
    select
        *,
        row_number() over (
            partition by dimension, dimension_value order by server_errors desc, dependency_name asc
        ) as dependency_rank
    from element_dependency_errors
),

top_dependencies as (
    select * from ranked_dependency_errors
    where dependency_rank = 1
),

top_candidate_exists as (
    select count(*) > 0 as has_top_candidate
    from ranked
    where candidate_rank = 1
),

final as (
    select
        ranked.dimension,
        ranked.dimension_value,
        ranked.incident_requests,
        ranked.incident_server_errors,
        ranked.expected_server_errors,
        ranked.explanatory_power,
        ranked.traffic_share,
        ranked.error_share,
        ranked.lift,
        ranked.window_requests,
        ranked.window_server_errors,
        ranked.window_traffic_share,
        ranked.window_error_share,
        ranked.window_lift,
        ranked.surprise,
        ranked.over_representation_z,
        ranked.last_server_error_at,
        ranked.minutes_before_last_request,
        ranked.is_candidate,
        ranked.has_own_excess,
        ranked.is_too_few_to_tell,
        ranked.candidate_rank,
        case
            when top_candidate_exists.has_top_candidate then
                cast(overlap_with_top.server_errors_in_top_candidate as double) / nullif(ranked.incident_server_errors, 0)
        end as share_of_errors_in_top_candidate,
        top_dependencies.dependency_name as top_dependency_name,
        cast(top_dependencies.server_errors as double) / nullif(ranked.incident_server_errors, 0) as top_dependency_share
    from ranked
    inner join overlap_with_top
        on
            ranked.dimension = overlap_with_top.dimension
            and ranked.dimension_value = overlap_with_top.dimension_value
    left join top_dependencies
        on
            ranked.dimension = top_dependencies.dimension
            and ranked.dimension_value = top_dependencies.dimension_value
    cross join top_candidate_exists
)

select * from final
