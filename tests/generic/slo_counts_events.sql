{#-
  Generic test on slo_status: every SLO of var `slos` counts some events
  over the log. An SLO whose service or filter matches nothing (a typo,
  another case: the service is matched as written) has a row every 5
  minutes with no events, no budget and no alert, forever, which reads like
  a quiet service; an SLO of a log without events (an empty file) has no
  row at all. Fails (a warning by default) with each such SLO and its
  service, and names them in the run's output ("Got 3 results" told an
  operator trial nothing).
-#}
{% test slo_counts_events(model) %}

{%- if execute -%}
    {%- do oncall_analytics.report_slos_counting_nothing(model) -%}
{%- endif %}

with definitions as (
    select * from {{ ref('int_slo__definitions') }}
),

status as (
    select * from {{ model }}
),

per_slo as (
    select
        slo_name,
        sum(total_events) as events_counted
    from status
    group by slo_name
),

counting_nothing as (
    select
        definitions.slo_name,
        definitions.service_name,
        definitions.event_source,
        coalesce(per_slo.events_counted, 0) as events_counted
    from definitions
    left join per_slo
        on definitions.slo_name = per_slo.slo_name
    where coalesce(per_slo.events_counted, 0) = 0
)

select * from counting_nothing
{% endtest %}
