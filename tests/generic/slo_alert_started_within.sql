{#-
  Generic test on slo_burn_rate_alerts: the SLO's rule started an alert no
  earlier than `not_before` and at most `within_minutes` after it. Fails
  with one row when no such alert exists.
-#}
{% test slo_alert_started_within(model, slo_name, rule_name, not_before, within_minutes) %}
{%- set minutes = within_minutes | int -%}

with expected as (
    select cast({{ oncall_analytics.sql_literal(not_before) }} as timestamp) as not_before
),

matching as (
    select count(*) as alerts
    from {{ model }} as alerts
    inner join expected
        on
            alerts.started_at >= expected.not_before
            and alerts.started_at <= {{ dbt.dateadd('minute', minutes, 'expected.not_before') }}
    where
        alerts.slo_name = {{ oncall_analytics.sql_literal(slo_name) }}
        and alerts.rule_name = {{ oncall_analytics.sql_literal(rule_name) }}
)

select * from matching
where alerts = 0
{% endtest %}
