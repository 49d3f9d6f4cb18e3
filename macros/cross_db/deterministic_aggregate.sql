{#-
  `function(arguments)` as an aggregate that reads its rows in one fixed
  order, so that a floating-point result (avg, stddev, a regression) is the
  same to the last bit on every run. Floating-point addition is not
  associative: DuckDB's parallel hash aggregation adds a group's rows in
  whatever order its threads hand them over, and two builds of the same
  data then differ in the last bits (issue 13). `order_by` defaults to the
  arguments themselves: rows with equal values are interchangeable.
-#}
{% macro deterministic_aggregate(function, arguments, order_by=none) -%}
    {{ return(adapter.dispatch('deterministic_aggregate', 'oncall_analytics')(function, arguments, order_by or arguments)) }}
{%- endmacro %}

{#- Spark SQL has no ORDER BY inside an aggregate: the plain aggregate (the
    Spark checks compare with DuckDB within a relative 1e-6). -#}
{% macro default__deterministic_aggregate(function, arguments, order_by) -%}
    {{ function }}({{ arguments }})
{%- endmacro %}

{#- DuckDB reads an aggregate's input in the order of its ORDER BY clause. -#}
{% macro duckdb__deterministic_aggregate(function, arguments, order_by) -%}
    {{ function }}({{ arguments }} order by {{ order_by }})
{%- endmacro %}
