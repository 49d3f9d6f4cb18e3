{#- The detection grain (var detection_grain_minutes) as an integer: a whole
    number of minutes that divides an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20,
    30 or 60), so buckets are aligned on the hour and on UTC midnight. Longer
    buckets are refused: the incremental metric models recompute whole hours
    (incremental_lookback_hours), which would rebuild a longer bucket from
    part of its rows. -#}
{% macro var_detection_grain_minutes() -%}
    {%- set grain = oncall_analytics.var_integer('detection_grain_minutes', 1, 60) | int -%}
    {%- if 60 % grain != 0 -%}
        {{ oncall_analytics._var_error('detection_grain_minutes', var('detection_grain_minutes'),
             "a whole number of minutes dividing an hour: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60") }}
    {%- endif -%}
    {{ return(grain) }}
{%- endmacro %}
