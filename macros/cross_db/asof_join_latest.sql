{#-
  As-of join: every row of `left` (a CTE or relation with a unique
  `left_id`) gets the columns `right_columns` of the latest `right` row with
  the same `key` whose `right_ts` is at or before the left row's `left_ts`
  (nulls when there is none). Selects `left.*` plus the right columns, each
  aliased with `prefix`. Replaces the guide's join on timestamp equality,
  which matches nothing when samples and requests are not simultaneous.
-#}
{% macro asof_join_latest(left, right, key, left_id, left_ts, right_ts, right_columns, prefix) -%}
    {{ return(adapter.dispatch('asof_join_latest', 'oncall_analytics')(left, right, key, left_id, left_ts, right_ts, right_columns, prefix)) }}
{%- endmacro %}

{#- Spark SQL: find the latest matching timestamp per left row, then fetch it. -#}
{% macro default__asof_join_latest(left, right, key, left_id, left_ts, right_ts, right_columns, prefix) -%}
    select
        left_rows.*
        {%- for column in right_columns %},
        right_rows.{{ column }} as {{ prefix }}{{ column }}
        {%- endfor %}
    from {{ left }} as left_rows
    left join (
        select candidate_left.{{ left_id }} as matched_id, max(candidate_right.{{ right_ts }}) as matched_ts
        from {{ left }} as candidate_left
        inner join {{ right }} as candidate_right
            on candidate_left.{{ key }} = candidate_right.{{ key }}
            and candidate_right.{{ right_ts }} <= candidate_left.{{ left_ts }}
        group by candidate_left.{{ left_id }}
    ) as matches
        on left_rows.{{ left_id }} = matches.matched_id
    left join {{ right }} as right_rows
        on left_rows.{{ key }} = right_rows.{{ key }}
        and right_rows.{{ right_ts }} = matches.matched_ts
{%- endmacro %}

{% macro duckdb__asof_join_latest(left, right, key, left_id, left_ts, right_ts, right_columns, prefix) -%}
    select
        left_rows.*
        {%- for column in right_columns %},
        right_rows.{{ column }} as {{ prefix }}{{ column }}
        {%- endfor %}
    from {{ left }} as left_rows
    asof left join {{ right }} as right_rows
        on left_rows.{{ key }} = right_rows.{{ key }}
        and left_rows.{{ left_ts }} >= right_rows.{{ right_ts }}
{%- endmacro %}
