{#- How many standard errors a group's rate (errors / requests) is above the
    rate of the rest of its population (totals less the group's), with the
    pooled rate's standard error: the two-proportion z test. Null when the
    rest is empty or the pooled rate is 0 or 1 (no spread to measure).
    Doubles throughout (Spark reads a decimal literal as a decimal). -#}
{% macro two_proportion_z(errors, requests, total_errors, total_requests) -%}
    case
        when
            {{ total_requests }} > {{ requests }}
            and {{ requests }} > 0
            and {{ total_errors }} > 0
            and {{ total_errors }} < {{ total_requests }}
            then
                (
                    cast({{ errors }} as double) / {{ requests }}
                    - cast({{ total_errors }} - {{ errors }} as double) / ({{ total_requests }} - {{ requests }})
                ) / sqrt(
                    (cast({{ total_errors }} as double) / {{ total_requests }})
                    * (1 - cast({{ total_errors }} as double) / {{ total_requests }})
                    * (cast(1 as double) / {{ requests }} + cast(1 as double) / ({{ total_requests }} - {{ requests }}))
                )
    end
{%- endmacro %}
