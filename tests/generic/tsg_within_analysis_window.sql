{#-
  Generic test: every value of the timestamp column lies in the TSG's analysis
  window [tsg_incident_start - tsg_lookback_hours, tsg_end_time] of the run's
  vars. Fails with the rows outside it.
-#}
{% test tsg_within_analysis_window(model, column_name) %}
{%- set window = oncall_analytics.tsg_window() -%}

with outside as (
    select * from {{ model }}
    where {{ column_name }} is null
        or {{ column_name }} < {{ window.window_start }}
        or {{ column_name }} > {{ window.window_end }}
)

select * from outside
{% endtest %}
