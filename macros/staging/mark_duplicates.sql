{#-
  The raw rows of a log with three columns that spot repeated keys,
  following the project's rule: exact duplicates keep their first copy; a key
  repeated with different values is ambiguous, so every copy is quarantined.
    rows_with_key    raw rows sharing the key
    identical_rows   raw rows identical to this one in every contract column
    copy_number      1 for the first of identical rows, 2.. for the copies
  Keys compare as staged (staged_value: text trimmed, times as instants);
  rows are identical when their numbers and times are as staged and their
  text and booleans as written, so '2024-03-12T14:00:00Z' and '2024-03-12
  14:00:00', or 7 and 7.0, are one value. The first copy is chosen by its
  raw values (row_identity), so every run keeps the same one.
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
  rows carries every column through a sort (bench/README.md).
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
    {#- evaluated on the rows of repeated keys only; numbers and times as staged,
        text and booleans as written (staging those too doubled the planning
        time of the 39-column request log) -#}
    {%- set staged = [] -%}
    {%- set raw = [] -%}
    {%- for column in log.columns -%}
        {%- do staged.append(oncall_analytics.staged_value(column, log.raw_types) if column.type in ['integer', 'bigint', 'double', 'timestamp'] else column.name) -%}
        {%- do raw.append(column.name) -%}
    {%- endfor -%}
    {%- set identical = keys | join(', ') ~ ', ' ~ oncall_analytics.row_identity(staged) -%}
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
            raw_rows.{{ column.name }},
            {%- endfor %}
            count(*) over (partition by {{ keys | join(', ') }}) as rows_with_key,
            count(*) over (partition by {{ identical }}) as identical_rows,
            row_number() over (partition by {{ identical }} order by {{ oncall_analytics.row_identity(raw) }}) as copy_number
        from {{ source_rows }} as raw_rows
        inner join repeated_keys on {{ joined_key }} = repeated_keys.repeated_key
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
