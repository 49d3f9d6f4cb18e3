{#-
  Generic test: the model holds exactly the rows of an expected table (a seed),
  row for row, duplicates counted. Each compared column of the model is cast to
  the expected column's type; floating-point columns are rounded to
  `float_decimals` on both sides so 173.33 from round() equals 173.33 from a CSV.
  Fails with one row per difference, labelled `missing` (expected but absent)
  or `unexpected` (present but not expected).
-#}
{% test equals_expected(model, expected, compare_columns=none, float_decimals=6) %}
{%- set expected_columns = adapter.get_columns_in_relation(expected) if execute else [] -%}
{%- set wanted = compare_columns | map('lower') | list if compare_columns else none -%}
{%- set columns = [] -%}
{%- for column in expected_columns if wanted is none or column.name | lower in wanted -%}
    {%- do columns.append(column) -%}
{%- endfor -%}
{#- a seed not loaded yet (dbt compile on a fresh clone) has no columns to read: nothing to say, unless the
    test is to run (a selection that took the model but not its expected seed: say so, not a SQL parser error) -#}
{%- if execute and columns | length == 0 and load_relation(expected) is not none -%}
    {{ exceptions.raise_compiler_error("equals_expected: no columns to compare between " ~ model ~ " and " ~ expected) }}
{%- elif execute and columns | length == 0 and flags.WHICH in ['build', 'test', 'retry'] -%}
    {{ exceptions.raise_compiler_error("equals_expected: the expected table " ~ expected ~ " is not in the warehouse: "
        ~ "select its seed too (e.g. dbt build -s <model> " ~ expected.identifier ~ "), or leave the shipped data's "
        ~ "tests out (--exclude tag:shipped_data)") }}
{%- endif -%}



with actual_rows as (
    {{ oncall_analytics.equals_expected_select(model, columns, true, float_decimals) }}
),

expected_rows as (
    {{ oncall_analytics.equals_expected_select(expected, columns, false, float_decimals) }}
),

unexpected as (
    select * from actual_rows
    except all
    select * from expected_rows
),

missing as (
    select * from expected_rows
    except all
    select * from actual_rows
),

differences as (
    select 'unexpected' as diff, * from unexpected
    union all
    select 'missing' as diff, * from missing
)

select * from differences
{% endtest %}
