{#- True when a double is neither NaN nor +/-infinity (try_cast accepts 'nan' and 'inf'). -#}
{% macro is_finite(expr) -%}
    {{ return(adapter.dispatch('is_finite', 'oncall_analytics')(expr)) }}
{%- endmacro %}

{#- Spark SQL: no isfinite(); NaN and the infinities are ordinary comparable values. -#}
{% macro default__is_finite(expr) -%}
    (not isnan({{ expr }}) and {{ expr }} not in (double('infinity'), double('-infinity')))
{%- endmacro %}

{% macro duckdb__is_finite(expr) -%}
    isfinite({{ expr }})
{%- endmacro %}
