{#- True when the whole of `expr` matches the regular expression `pattern`
    (a Jinja string, no anchors, no backslashes: write [0-9], [.]), so one
    pattern means the same on every engine. -#}
{% macro regex_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'oncall_analytics')(expr, pattern)) }}
{%- endmacro %}

{#- Spark SQL: rlike finds a match anywhere (Java regex); anchored here. -#}
{% macro default__regex_full_match(expr, pattern) -%}
    ({{ expr }} rlike {{ oncall_analytics.sql_literal('^(?:' ~ pattern ~ ')$') }})
{%- endmacro %}

{% macro duckdb__regex_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, {{ oncall_analytics.sql_literal(pattern) }})
{%- endmacro %}
