{#-
  Generic test on tsg_action_plan: the element (dimension, dimension_value)
  is priority 1, and each element of `ranked_below` (a list of
  {dimension, dimension_value}) is in the plan at a larger priority number.
  Fails with one row per broken expectation.
-#}
{% test tsg_plan_ranks_first(model, dimension, dimension_value, ranked_below=[]) %}

with plan as (
    select priority, dimension, dimension_value from {{ model }}
),

expectations as (
    select 1 as expectation_order, {{ oncall_analytics.sql_literal(dimension) }} as dimension,
        {{ oncall_analytics.sql_literal(dimension_value) }} as dimension_value, 'is priority 1' as expectation
    {%- for element in ranked_below %}
    union all
    select {{ loop.index + 1 }}, {{ oncall_analytics.sql_literal(element.dimension) }},
        {{ oncall_analytics.sql_literal(element.dimension_value) }}, 'is in the plan below priority 1'
    {%- endfor %}
),

checked as (
    select
        expectations.*,
        plan.priority
    from expectations
    left join plan
        on expectations.dimension = plan.dimension
        and expectations.dimension_value = plan.dimension_value
),

broken as (
    select * from checked
    where priority is null
        or (expectation_order = 1 and priority != 1)
        or (expectation_order > 1 and priority <= 1)
)

select * from broken
{% endtest %}
