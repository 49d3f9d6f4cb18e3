{#- Least-squares slope of y on x as an aggregate, over the rows where both
    are non-null; null when x does not vary. Order-stable on DuckDB
    (deterministic_aggregate). -#}
{% macro regr_slope(y, x) -%}
    {{ return(adapter.dispatch('regr_slope', 'oncall_analytics')(y, x)) }}
{%- endmacro %}

{#- Spark SQL (regr_slope only exists from 3.4): covariance over variance,
    both restricted to the complete pairs. -#}
{% macro default__regr_slope(y, x) -%}
    (covar_pop(
        case when {{ y }} is not null then {{ x }} end,
        case when {{ x }} is not null then {{ y }} end
    ) / nullif(var_pop(case when {{ y }} is not null then {{ x }} end), 0))
{%- endmacro %}

{#- DuckDB's regr_slope is NaN, not null, when x does not vary (and NaN sorts
    above every number), hence the guard. -#}
{% macro duckdb__regr_slope(y, x) -%}
    {%- set complete_x = 'case when ' ~ y ~ ' is not null then ' ~ x ~ ' end' -%}
    case
        when {{ oncall_analytics.deterministic_aggregate('var_pop', complete_x) }} > 0
            then {{ oncall_analytics.deterministic_aggregate('regr_slope', y ~ ', ' ~ x, x ~ ', ' ~ y) }}
    end
{%- endmacro %}
