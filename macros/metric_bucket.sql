{#- Start of the detection bucket holding `ts`: `detection_grain_minutes`
    wide, aligned on the hour (the grain divides an hour). At the default 60
    minutes it is the hour, date_trunc('hour', ...), as before the grain
    existed. -#}
{% macro metric_bucket(ts) -%}
    {%- set grain = oncall_analytics.var_minutes_dividing_an_hour('detection_grain_minutes') -%}
    {%- if grain == 60 -%}
        {{ dbt.date_trunc('hour', ts) }}
    {%- else -%}
        {{ oncall_analytics.time_bucket_minutes(ts, grain) }}
    {%- endif -%}
{%- endmacro %}
