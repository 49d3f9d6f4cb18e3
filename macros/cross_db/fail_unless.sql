{#- A boolean SQL expression that is true where `condition_sql` holds and
    stops the query with the text of `message_sql` where it does not: a
    model's own check on its data, with a message that names what is wrong,
    where a data test after it would only count rows (and skip every model
    downstream without saying why). -#}
{% macro fail_unless(condition_sql, message_sql) -%}
    {{ return(adapter.dispatch('fail_unless', 'oncall_analytics')(condition_sql, message_sql)) }}
{%- endmacro %}

{#- Spark SQL: raise_error() (3.1+). -#}
{% macro default__fail_unless(condition_sql, message_sql) -%}
    (case when {{ condition_sql }} then true else raise_error({{ message_sql }}) end)
{%- endmacro %}

{% macro duckdb__fail_unless(condition_sql, message_sql) -%}
    (case when {{ condition_sql }} then true else error({{ message_sql }}) end)
{%- endmacro %}
