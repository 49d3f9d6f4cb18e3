{#- A var that is a whole number of minutes dividing an hour (1, 2, 3, 4, 5,
    6, 10, 12, 15, 20, 30 or 60), returned as an integer: buckets of that
    width are aligned on the hour and on UTC midnight. The detection grain
    (detection_grain_minutes) is read with it; longer buckets are refused
    because the incremental metric models recompute whole hours
    (incremental_lookback_hours), which would rebuild a longer bucket from
    part of its rows. -#}
{% macro var_minutes_dividing_an_hour(name) -%}
    {%- set minutes = oncall_analytics.var_integer(name, 1, 60) | int -%}
    {%- if 60 % minutes != 0 -%}
        {{ oncall_analytics._var_error(name, var(name),
             "a whole number of minutes dividing an hour: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60") }}
    {%- endif -%}
    {{ return(minutes) }}
{%- endmacro %}
