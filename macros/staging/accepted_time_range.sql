{#-
  The range of plausible times, as two SQL timestamp literals: a timestamp
  of a log outside it is quarantined (staging_checks), and neither the
  incremental watermark nor source freshness sees it. One row dated 2999
  would otherwise become the newest loaded time and freeze hourly loading,
  and rows dated 0001 or 9999 make the detector's series 8,000 years long.
    floor    var accepted_time_floor (default 2000-01-01 00:00:00)
    horizon  when this run started (UTC) plus accepted_time_max_hours_ahead
             (default 24): logs are written after the fact, a little clock
             skew aside
  Literals, so that DuckDB prunes with them and every model of a run uses
  the same bounds.
-#}
{% macro accepted_time_range() -%}
    {%- set floor = oncall_analytics.var_datetime('accepted_time_floor') -%}
    {%- set hours_ahead = oncall_analytics.var_integer('accepted_time_max_hours_ahead', 0, 87600) | int -%}
    {%- set horizon = run_started_at.replace(tzinfo=none) + modules.datetime.timedelta(hours=hours_ahead) -%}
    {{ return({
        'floor': oncall_analytics.timestamp_literal(floor),
        'horizon': oncall_analytics.timestamp_literal(horizon),
    }) }}
{%- endmacro %}

{#- A Python datetime as a SQL timestamp literal (microseconds kept). -#}
{% macro timestamp_literal(moment) -%}
    {{ return('cast(' ~ oncall_analytics.sql_literal(moment.strftime('%Y-%m-%d %H:%M:%S.%f')) ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{%- endmacro %}
