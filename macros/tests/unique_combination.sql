{#-
  Generic test: no two rows share the same values in `columns` (a compound
  key). Fails with each duplicated key and how often it occurs.
-#}
{% test unique_combination(model, columns) %}

with keyed as (
    select
        {{ columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
),

duplicated as (
    select * from keyed
    where occurrences > 1
)

select * from duplicated
{% endtest %}
