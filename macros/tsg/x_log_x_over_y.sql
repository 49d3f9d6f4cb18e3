{#- x * ln(x / y) with the limits information theory uses: 0 when x = 0,
    null when y = 0 < x. The building block of the Jensen-Shannon surprise. -#}
{% macro x_log_x_over_y(x, y) -%}
    case
        when ({{ x }}) = 0 then 0.0
        when ({{ y }}) > 0 then ({{ x }}) * ln(({{ x }}) / ({{ y }}))
    end
{%- endmacro %}
