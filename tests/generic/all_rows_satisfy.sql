{#-
  Generic test: every row satisfies the SQL boolean `condition` (null counts
  as a failure). Fails with the rows that do not.
-#}
{% test all_rows_satisfy(model, condition) %}

with violations as (
    select * from {{ model }}
    where not coalesce({{ condition }}, false)
)

select * from violations
{% endtest %}
