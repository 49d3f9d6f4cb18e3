{#-
  Generic test on the troubleshooting guide's findings: every finding
  (step, dimension, status) has a recommended-action row in `wording` (the
  tsg_action_wording seed): same step, the finding's dimension or `*`, its
  status or `*`. Fails with the findings that have none, so a new check or
  status cannot reach the plan without words for its action.
-#}
{% test tsg_findings_have_wording(model, wording) %}

with findings as (
    select distinct step, dimension, status from {{ model }}
),

wording as (
    select * from {{ wording }}
),

unworded as (
    select findings.*
    from findings
    left join wording
        on
            findings.step = wording.step
            and wording.dimension in (findings.dimension, '*')
            and wording.status in (findings.status, '*')
    where wording.step is null
)

select * from unworded
{% endtest %}
