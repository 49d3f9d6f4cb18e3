{#-
  The raw rows of `relation` with three columns that spot repeated keys,
  following the project's rule: exact duplicates keep their first copy; a key
  repeated with different values is ambiguous, so every copy is quarantined.
  `relation` is the raw table itself, not a CTE over it: DuckDB materializes
  a CTE that is read three times (10M wide rows).
    rows_with_key    raw rows sharing the key (trimmed)
    identical_rows   raw rows identical to this one in every `identity_columns`
    copy_number      1 for the first of identical rows, 2.. for the copies
  With read_once, `relation` is read once into a CTE instead: for a small
  relation that is costly to compute, such as an incremental slice
  (incremental_log_slice), which would otherwise be computed per branch.
  Repeated keys are rare, so the window functions run only over the rows of
  repeated keys (found by a one-column aggregate); every other row gets
  1, 1, 1 through an anti-join against that short list. A window over all
  rows carries every column through a sort: at 10M gateway rows that was
  most of the staging time and ran out of DuckDB's 4 GB (bench/).
-#}
{% macro mark_duplicates(relation, key_columns, identity_columns, read_once=false) -%}
    {%- set keys = [] -%}
    {%- for column in key_columns -%}{%- do keys.append(oncall_analytics.clean_text(column)) -%}{%- endfor -%}
    {#- one text value per key, nulls included (an equality join never matches null) -#}
    {%- set key_text = [] -%}
    {%- for key in keys -%}{%- do key_text.append("coalesce(" ~ key ~ ", '')") -%}{%- endfor -%}
    {#- two keys may share a joined text ('a|b', 'c' and 'a', 'b|c'): harmless, both
        then take the window path, which partitions by the keys themselves -#}
    {%- set joined_key = "concat_ws('|', " ~ (key_text | join(', ')) ~ ")" if keys | length > 1 else key_text[0] -%}
    {%- set identical = keys | join(', ') ~ ', ' ~ oncall_analytics.row_identity(identity_columns) -%}
    {%- set rows = 'rows_read_once' if read_once else relation %}
    select * from (
        with
        {%- if read_once %}
        rows_read_once as (
            select * from {{ relation }}
        ),
        {%- endif %}

        {#- the short list of repeated keys, computed once: a CTE this small is cheap to materialize #}
        repeated_keys as (
            select {{ joined_key }} as repeated_key from {{ rows }} group by 1 having count(*) > 1
        )

        select
            raw_rows.*,
            1 as rows_with_key,
            1 as identical_rows,
            1 as copy_number
        from {{ rows }} as raw_rows
        left join repeated_keys on {{ joined_key }} = repeated_keys.repeated_key
        where repeated_keys.repeated_key is null

        union all

        select
            raw_rows.*,
            count(*) over (partition by {{ keys | join(', ') }}) as rows_with_key,
            count(*) over (partition by {{ identical }}) as identical_rows,
            row_number() over (partition by {{ identical }} order by {{ keys | join(', ') }}) as copy_number
        from {{ rows }} as raw_rows
        inner join repeated_keys on {{ joined_key }} = repeated_keys.repeated_key
    ) as marked_rows
{%- endmacro %}

{#- The two quarantine checks that go with mark_duplicates; `key_label`
    names the key in the reason, e.g. 'request_id'. -#}
{% macro duplicate_checks(key_label, key_present_sql) -%}
    {{ return([
        [key_present_sql ~ ' and rows_with_key > identical_rows', key_label ~ ' repeated with different values'],
        [key_present_sql ~ ' and rows_with_key = identical_rows and copy_number > 1', 'exact duplicate of another row'],
    ]) }}
{%- endmacro %}
