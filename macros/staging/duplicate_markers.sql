{#-
  Window columns that spot repeated keys in a raw gateway seed, following the
  project's rule: exact duplicates keep their first copy; a key repeated with
  different values is ambiguous, so every copy is quarantined.
    rows_with_key    raw rows sharing the key (trimmed)
    identical_rows   raw rows identical to this one in every contract column
    copy_number      1 for the first of identical rows, 2.. for the copies
-#}
{% macro duplicate_markers(seed_name, key_columns) -%}
    {%- set keys = [] -%}
    {%- for column in key_columns -%}{%- do keys.append(oncall_analytics.clean_text(column)) -%}{%- endfor -%}
    {%- set all_columns = oncall_analytics.gateway_contract_columns(seed_name) -%}
    {%- set identical = keys | join(', ') ~ ', ' ~ oncall_analytics.row_identity(all_columns) -%}
    count(*) over (partition by {{ keys | join(', ') }}) as rows_with_key,
        count(*) over (partition by {{ identical }}) as identical_rows,
        row_number() over (partition by {{ identical }} order by {{ keys | join(', ') }}) as copy_number
{%- endmacro %}

{#- The two quarantine checks that go with duplicate_markers; `key_label`
    names the key in the reason, e.g. 'request_id'. -#}
{% macro duplicate_checks(key_label, key_present_sql) -%}
    {{ return([
        [key_present_sql ~ ' and rows_with_key > identical_rows', key_label ~ ' repeated with different values'],
        [key_present_sql ~ ' and rows_with_key = identical_rows and copy_number > 1', 'exact duplicate of another row'],
    ]) }}
{%- endmacro %}
