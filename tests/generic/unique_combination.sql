{#-
  Generic test: no two rows share the same values in `columns` (a compound
  key). Fails with each duplicated key and how often it occurs.
-#}
{% test unique_combination(model, columns) %}

with duplicated as (
    {{ duplicated_keys(model, columns) }}
)

select * from duplicated
{% endtest %}
