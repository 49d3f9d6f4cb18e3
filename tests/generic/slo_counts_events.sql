{#-
  Generic test on slo_status: every SLO counts some events over the log. An
  SLO whose service or filter matches nothing (a typo, another case: the
  service is matched as written) has a row every 5 minutes with no events,
  no budget and no alert, forever, which reads like a quiet service. Fails
  (a warning by default) with each such SLO and its service.
-#}
{% test slo_counts_events(model) %}

with per_slo as (
    select
        slo_name,
        service_name,
        sum(total_events) as events_counted
    from {{ model }}
    group by slo_name, service_name
),

counting_nothing as (
    select * from per_slo
    where events_counted = 0
)

select * from counting_nothing
{% endtest %}
