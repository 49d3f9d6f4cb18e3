{#- What to partition by, next to a row's key, to group rows identical in
    every one of `columns`. DuckDB: one 64-bit hash of them (a window over
    the 39 gateway columns sorted on all of them, and was most of the staging
    time at 10M rows; two different rows sharing a key and a hash, 2^-64 odds,
    would be read as copies of each other). Elsewhere: the columns themselves
    (exact; Spark's hash functions skip nulls, so (null, 'a') and ('a', null)
    would collide). -#}
{% macro row_identity(columns) -%}
    {{ return(adapter.dispatch('row_identity', 'oncall_analytics')(columns)) }}
{%- endmacro %}

{% macro default__row_identity(columns) -%}
    {{ columns | join(', ') }}
{%- endmacro %}

{% macro duckdb__row_identity(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}
