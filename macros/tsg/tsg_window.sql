{#-
  The TSG's analysis window, from its vars: it starts `tsg_lookback_hours`
  (the guide's 2 h) before `tsg_incident_start` and ends at `tsg_end_time`,
  both inclusive; the incident period is [tsg_incident_start, tsg_end_time].
  Returns SQL timestamp literals {window_start, incident_start, window_end};
  fails at compile time on a malformed timestamp or an empty incident period.
-#}
{% macro tsg_window() -%}
    {%- set incident_start = oncall_analytics.var_datetime('tsg_incident_start') -%}
    {%- set window_end = oncall_analytics.var_datetime('tsg_end_time') -%}
    {%- set lookback_hours = oncall_analytics.var_number('tsg_lookback_hours', 0, 720) | float -%}
    {%- if incident_start >= window_end -%}
        {{ exceptions.raise_compiler_error("Invalid vars: 'tsg_incident_start' (" ~ incident_start ~ ") must be before 'tsg_end_time' (" ~ window_end ~ "): the incident period would be empty and the window (which starts " ~ lookback_hours ~ " h before the incident) would not end after it starts.") }}
    {%- endif -%}
    {%- set window_start = incident_start - modules.datetime.timedelta(hours=lookback_hours) -%}
    {{ return({
        'window_start': oncall_analytics._tsg_timestamp_literal(window_start),
        'incident_start': oncall_analytics._tsg_timestamp_literal(incident_start),
        'window_end': oncall_analytics._tsg_timestamp_literal(window_end),
    }) }}
{%- endmacro %}

{% macro _tsg_timestamp_literal(moment) -%}
    {{ return("cast(" ~ oncall_analytics.sql_literal(moment.strftime('%Y-%m-%d %H:%M:%S.%f')) ~ " as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}
