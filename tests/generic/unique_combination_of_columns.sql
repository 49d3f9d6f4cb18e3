{#-
  Generic test: no two rows share the same values in `combination_of_columns`
  (a compound key). Fails with each duplicated key and how often it occurs.
  Named and shaped as dbt_utils' test, so linters that look for a key test
  (dbt-project-evaluator, the project's dbt-score rules) recognise it.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with duplicated as (
    {{ duplicated_keys(model, combination_of_columns) }}
)

select * from duplicated
{% endtest %}
