{#-
  Generic test (model level): no two rows share the same values in `columns`.
  Fails with one row per repeated combination and how often it occurs.
-#}
{% test unique_combination(model, columns) %}

with counted as (
    select
        {{ columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
)

select * from counted
where occurrences > 1
{% endtest %}
