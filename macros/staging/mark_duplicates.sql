{#-
  The raw rows of a log with three columns that spot repeated keys,
  following the project's rule: exact duplicates keep their first copy; a key
  repeated with different values is ambiguous, so every copy is quarantined.
    rows_with_key    raw rows sharing the key
    identical_rows   raw rows identical to this one in every contract column
    copy_number      1 for the first of identical rows, 2.. for the copies
  Keys and rows compare as staged (staged_value): numbers and times typed,
  text trimmed and cased, booleans read. So '2024-03-12T14:00:00Z' and
  '2024-03-12 14:00:00', 7 and 7.0, 'SUCCESS' and ' success' (status is
  staged upper-case), or '1' and 'true' are one value, and 'fx' and 'FX'
  (function_name keeps its case) are not: copies that differ only as
  written are exact duplicates, since either alone is staged the same
  (operator trial: a re-sent invocation whose status differed in case lost
  both copies as repeated with different values). Text and booleans read
  as text are compared through compared_value, a shorter form than
  staging's, equal exactly where the staged values are. The first copy is
  chosen by its raw values (row_identity), so every run keeps the same one.
  Only the contract columns of `rows` are kept, beside the three markers: a
  log's extra columns are ignored, whatever their names (an extra
  `copy_number` or `rows_with_key` of a writer's would otherwise be read in
  place of the markers; operator trial).
  `rows` is read three times: the raw table, or the base model's import CTE
  written `not materialized` (DuckDB would otherwise copy the whole log).
  With read_once, `rows` is read once into a CTE instead: for a small
  relation that is costly to compute, such as an incremental slice
  (incremental_log_slice), which would otherwise be computed per branch.
  Repeated keys are rare, so the window functions run only over the rows of
  repeated keys (found by a one-column aggregate); every other row gets
  1, 1, 1 through an anti-join against that short list. A window over all
  rows carries every column through a sort (bench/README.md). On those rows
  the compared values are computed once, as columns of a subquery, for both
  windows that partition by them: written into each window, DuckDB planned
  them twice (the request log's planning took 50 ms instead of 40).
-#}
{% macro mark_duplicates(log, rows, read_once=false) -%}
    {%- set keys = [] -%}
    {%- for name in log.key -%}
        {%- set column = oncall_analytics.staging_column(log, name) -%}
        {%- do keys.append(oncall_analytics.staged_value(column, log.raw_types) if column.type != 'text'
            else oncall_analytics.text_value(name, (log.raw_types.get(name | lower) or '') | lower)) -%}
    {%- endfor -%}
    {#- one text value per key, nulls included (an equality join never matches null) -#}
    {%- set key_text = [] -%}
    {%- for key in keys -%}{%- do key_text.append("coalesce(cast(" ~ key ~ " as " ~ dbt.type_string() ~ "), '')") -%}{%- endfor -%}
    {#- two keys may share a joined text ('a|b', 'c' and 'a', 'b|c'): harmless, both
        then take the window path, which partitions by the keys themselves -#}
    {%- set joined_key = "concat_ws('|', " ~ (key_text | join(', ')) ~ ")" if keys | length > 1 else key_text[0] -%}
    {#- evaluated on the rows of repeated keys only, each once (the subquery's
        marked_key_<n> and marked_value_<n>): every column as staged -#}
    {%- set compared = [] -%}
    {%- set raw = [] -%}
    {%- for column in log.columns -%}
        {%- do compared.append(oncall_analytics.compared_value(column, log.raw_types)) -%}
        {%- do raw.append(column.name) -%}
    {%- endfor -%}
    {%- set marked_keys = [] -%}
    {%- for key in keys -%}{%- do marked_keys.append('marked_key_' ~ loop.index) -%}{%- endfor -%}
    {%- set marked_values = [] -%}
    {%- for value in compared -%}{%- do marked_values.append('marked_value_' ~ loop.index) -%}{%- endfor -%}
    {%- set identical = marked_keys | join(', ') ~ ', ' ~ oncall_analytics.row_identity(marked_values) -%}
    {%- set source_rows = 'rows_read_once' if read_once else rows %}
    select * from (
        with
        {%- if read_once %}
        rows_read_once as (
            select * from {{ rows }}
        ),
        {%- endif %}

        {#- the short list of repeated keys, computed once: a CTE this small is cheap to materialize #}
        repeated_keys as (
            select {{ joined_key }} as repeated_key from {{ source_rows }} group by 1 having count(*) > 1
        )

        select
            {%- for column in log.columns %}
            raw_rows.{{ column.name }},
            {%- endfor %}
            1 as rows_with_key,
            1 as identical_rows,
            1 as copy_number
        from {{ source_rows }} as raw_rows
        left join repeated_keys on {{ joined_key }} = repeated_keys.repeated_key
        where repeated_keys.repeated_key is null

        union all

        select
            {%- for column in log.columns %}
            {{ column.name }},
            {%- endfor %}
            count(*) over (partition by {{ marked_keys | join(', ') }}) as rows_with_key,
            count(*) over (partition by {{ identical }}) as identical_rows,
            row_number() over (partition by {{ identical }} order by {{ oncall_analytics.row_identity(raw) }}) as copy_number
        from (
            select
                {%- for column in log.columns %}
                raw_rows.{{ column.name }},
                {%- endfor %}
                {%- for key in keys %}
                {{ key }} as marked_key_{{ loop.index }},
                {%- endfor %}
                {%- for value in compared %}
                {{ value }} as marked_value_{{ loop.index }}{{ ',' if not loop.last }}
                {%- endfor %}
            from {{ source_rows }} as raw_rows
            inner join repeated_keys on {{ joined_key }} = repeated_keys.repeated_key
        ) as repeated_rows
    ) as marked_rows
{%- endmacro %}

{#- The two quarantine checks that go with mark_duplicates, for rows whose
    key is complete (a row without a key has its own reason). -#}
{% macro duplicate_checks(log) -%}
    {%- set present = [] -%}
    {%- for name in log.key -%}
        {%- do present.append(oncall_analytics.staging_column(log, name).staged_as ~ ' is not null') -%}
    {%- endfor -%}
    {%- set key_present = present | join(' and ') if present else 'true' -%}
    {{ return([
        [key_present ~ ' and rows_with_key > identical_rows', log.key | join(', ') ~ ' repeated with different values'],
        [key_present ~ ' and rows_with_key = identical_rows and copy_number > 1', oncall_analytics.exact_duplicate_reason()],
    ]) }}
{%- endmacro %}

{#- The reason of a later copy of a row (the last of a row's reasons): the
    quarantined share counts a row once, whatever its copies. -#}
{% macro exact_duplicate_reason() -%}
    {{ return('exact duplicate of another row') }}
{%- endmacro %}

{#- One contract column of a raw row as mark_duplicates compares it: equal
    exactly where the staged values (staged_value) are equal, and short for
    DuckDB to plan. Text and booleans read as text are trimmed plainly
    rather than through clean_text, which trims only a value with a space
    at an end (a trim() of every value was the largest cost of staging
    10M-row logs; here only the rows of repeated keys are read). DuckDB
    planned the request log in about 80 ms with staging's expressions, 40 ms
    with these and 35 ms comparing text and booleans as written (EXPLAIN,
    median of 30). Numbers, times, a text column typed otherwise (its
    value's text) and a typed boolean as staged: short already, or rare. -#}
{% macro compared_value(column, raw_types) -%}
    {%- set name = column.name -%}
    {%- set kind = oncall_analytics.raw_type_class((raw_types.get(name | lower) or '') | lower) -%}
    {%- set trimmed = 'trim(cast(' ~ name ~ ' as ' ~ dbt.type_string() ~ '))' -%}
    {%- if column.type == 'text' and kind == 'text' -%}
        {#- null where clean_text is: empty once trimmed, or the Hive null text as it is (not padded) -#}
        {%- set text = 'case when cast(' ~ name ~ ' as ' ~ dbt.type_string() ~ ') = ' ~ oncall_analytics.hive_null_partition() ~ " then null else nullif(" ~ trimmed ~ ", '') end" -%}
        {{- column.case ~ '(' ~ text ~ ')' if column.case else text -}}
    {%- elif column.type == 'boolean' and kind != 'boolean' -%}
        {%- set value = oncall_analytics.boolean_from_text(trimmed) -%}
        {{- 'coalesce(' ~ value ~ ', ' ~ (column.empty_means | string | lower) ~ ')' if column.empty_means is not none else value -}}
    {%- else -%}
        {{- oncall_analytics.staged_value(column, raw_types) -}}
    {%- endif -%}
{%- endmacro %}
