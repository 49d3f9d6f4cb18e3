{#-
  The values of `columns` that more than one row of `model` shares (rows
  where `where_sql` holds), with how many rows share each: the body of the
  unique tests. DuckDB first groups one 64-bit hash of the columns and only
  then the columns themselves, for the rows whose hash repeats: the same
  answer (equal values have equal hashes), and a 15M-row compound key is
  checked in about half the time (bench/).
-#}
{% macro duplicated_keys(model, columns, where_sql='1 = 1') -%}
    {{ return(adapter.dispatch('duplicated_keys', 'oncall_analytics')(model, columns, where_sql)) }}
{%- endmacro %}

{% macro default__duplicated_keys(model, columns, where_sql) -%}
    select
        {{ columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    where {{ where_sql }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{%- endmacro %}

{% macro duckdb__duplicated_keys(model, columns, where_sql) -%}
    {%- set key_hash = oncall_analytics.row_identity(columns) -%}  {#- one 64-bit hash on DuckDB #}
    select
        {{ columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    where
        {{ where_sql }}
        and {{ key_hash }} in (
            select {{ key_hash }} from {{ model }}
            where {{ where_sql }}
            group by 1
            having count(*) > 1
        )
    group by {{ columns | join(', ') }}
    having count(*) > 1
{%- endmacro %}

{#- dbt's built-in `unique` test on DuckDB, through duplicated_keys (same
    output columns as dbt's: unique_field, n_records). -#}
{% macro duckdb__test_unique(model, column_name) -%}
    select
        {{ column_name }} as unique_field,
        occurrences as n_records
    from ({{ oncall_analytics.duplicated_keys(model, [column_name], column_name ~ ' is not null') }}) as duplicated
{%- endmacro %}
