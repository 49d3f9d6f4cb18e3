{#-
  What an incremental base model reads from its raw log: on a full refresh,
  `rows` itself (the import CTE); on an incremental run, only the raw rows of
  the keys that need reloading, as a subquery:
    - every key with a raw row whose time (the log's event_time, staged as
      the kit stages it) is at most incremental_lookback_hours before the
      newest accepted time the model holds, or whose time is missing or
      unreadable, or whose raw key is null, empty or padded (such rows are
      rare and always reloaded);
    - and, for each of those keys, *every* raw row of it, old ones too, so
      that mark_duplicates sees the whole key and a repeat arriving later
      quarantines the older copy as a full refresh would;
    - minus the keys whose raw rows the model already holds, all of them
      (same row count): logs are appended to, so those would be rewritten
      unchanged. This keeps the write to about the new rows, not the whole
      lookback. Rewriting history in the raw log needs --full-refresh. A
      row quarantined as too far in the future does not count as held: a
      later run may accept it.
  Reloading more than needed is harmless (a key's rows are a function of
  all its raw rows), so every shortcut errs on the side of reloading.
  Null keys fall in one group, '' (log_load_key), reloaded together. The
  model's unique_key is the same expression over its own columns, so
  delete+insert replaces whole keys.
  DuckDB prunes the time filter with the Parquet (or table) statistics and
  pushes the key lists into the scans; the odd raw keys are found in one
  scan of the key column and kept (materialized) for the two steps that
  read them (bench/README.md).
    log   the declaration (staging_log); its key is one column
    rows  the raw rows (the base model's import CTE)
-#}
{% macro incremental_log_slice(log, rows) -%}
    {#- validated on every run, not only the incremental ones that read it -#}
    {%- do oncall_analytics.var_integer('incremental_lookback_hours', 0, 8760) -%}
    {%- if is_incremental() -%}
        {%- if log.key | length != 1 or log.event_time is none -%}
            {{ exceptions.raise_compiler_error("incremental_log_slice: the log " ~ log.table ~ " needs a one-column key and an event_time column") }}
        {%- endif -%}
        {%- set key_column = log.key[0] -%}
        {%- set odd_key = oncall_analytics.is_odd_key(key_column) -%}
        {#- the raw key as the kit stages it (text_value): a key typed as a number
            (1501.0, pandas) is the text the model holds ('1501'), not its cast ('1501.0') -#}
        {%- set key_raw_type = (log.raw_types.get(key_column | lower) or '') | lower -%}
        {%- set key_is_text = oncall_analytics.raw_type_class(key_raw_type) == 'text' -%}
        {%- set key_text = 'cast(' ~ key_column ~ ' as ' ~ dbt.type_string() ~ ')' if key_is_text
            else oncall_analytics.text_value(key_column, key_raw_type) -%}
        {%- set raw_load_key = oncall_analytics.log_load_key(oncall_analytics.text_value(key_column, key_raw_type)) -%}
        {#- the kit's own reading of the raw time: on a typed column a plain cast,
            so the filter prunes with the Parquet statistics -#}
        {%- set staged_time = oncall_analytics.staged_value(log.event_time, log.raw_types) -%}
        {%- set recent = incremental_lookback_filter(staged_time, log.event_time.staged_as, 'quarantine_reason is null') -%}
        {#- a typed time column prunes `>=` and `is null` apart, not `coalesce(>=, true)`;
            a text one prunes neither, so it is read once -#}
        {%- set time_is_typed = log.event_time.epoch_unit is none
            and oncall_analytics.raw_type_class((log.raw_types.get(log.event_time.name | lower) or '') | lower) == 'timestamp' -%}
        {#- the contract's columns, not `*`: DuckDB reads every column of a union of `*` scans, and an extra
            column is not the log's to read (one of bytes that are not UTF-8, a sink's raw message, stopped the
            run: operator trial); mark_duplicates keeps these only -#}
        {%- set raw_columns = log.columns | map(attribute='name') | join(', ') -%}
        {%- set future = "quarantine_reason like " ~ oncall_analytics.sql_literal('%' ~ oncall_analytics.too_far_in_the_future_reason() ~ '%') -%}
        (
            {#- the raw keys that clean_text changes (null, empty or padded): rare,
                so found in one scan and kept, for the two steps below -#}
            with odd_keys as {{ oncall_analytics.materialized() }} (
                select distinct {{ key_text }} as raw_key, {{ raw_load_key }} as load_key
                from {{ rows }}
                where {{ odd_key }}
            ),

            {#- keys with a recent, missing or unreadable time (on a typed time the
                filters prune with the Parquet or table statistics); an odd key's
                group is always read -#}
            recent_keys as (
                {%- if time_is_typed %}
                select {{ raw_load_key }} as load_key from {{ rows }}
                where {{ recent }}
                union
                select {{ raw_load_key }} as load_key from {{ rows }}
                where {{ staged_time }} is null
                {%- else %}
                select {{ raw_load_key }} as load_key from {{ rows }}
                where coalesce({{ recent }}, true)
                {%- endif %}
                union
                select load_key from odd_keys
            ),

            {#- a key list the scan can use: plain keys match as they are, odd rows by
                their raw key (null keys by `is null`, which the statistics prune) -#}
            recent_key_rows as (
                select {{ raw_columns }} from {{ rows }}
                where {{ key_text }} in (select load_key from recent_keys) and not {{ odd_key }}
                union all
                select {{ raw_columns }} from {{ rows }}
                where {{ key_text }} in (select raw_key from odd_keys)
                union all
                select {{ raw_columns }} from {{ rows }}
                where {{ key_text }} is null
            ),

            raw_rows_per_key as (
                select {{ raw_load_key }} as load_key, count(*) as raw_rows
                from recent_key_rows
                group by 1
            ),

            loaded_rows_per_key as (
                select
                    {{ oncall_analytics.log_load_key(key_column) }} as load_key,
                    sum(case when coalesce({{ future }}, false) then 0 else 1 end) as loaded_rows
                from {{ this }}
                where {{ oncall_analytics.log_load_key(key_column) }} in (select load_key from raw_rows_per_key)
                group by 1
            ),

            {#- logs are appended to: a key whose raw rows are all loaded already
                would be rewritten unchanged -#}
            changed_keys as (
                select raw_rows_per_key.load_key
                from raw_rows_per_key
                left join loaded_rows_per_key on raw_rows_per_key.load_key = loaded_rows_per_key.load_key
                where loaded_rows_per_key.loaded_rows is null or loaded_rows_per_key.loaded_rows != raw_rows_per_key.raw_rows
            )

            select * from recent_key_rows
            where {{ raw_load_key }} in (select load_key from changed_keys)
        )
    {%- else -%}
        {{ rows }}
    {%- endif -%}
{%- endmacro %}

{#- True for a raw key that clean_text changes (null, empty, padded or Hive's
    null partition), so the raw value cannot be matched to the key's group as it is. -#}
{% macro is_odd_key(key_column) -%}
    {%- set text = 'cast(' ~ key_column ~ ' as ' ~ dbt.type_string() ~ ')' -%}
    ({{ text }} is null or {{ text }} = '' or {{ text }} like ' %' or {{ text }} like '% '
        or {{ text }} = {{ oncall_analytics.hive_null_partition() }})
{%- endmacro %}

{#- The load key of a key expression: the key, or '' for every null key (an
    equality never matches null, and delete+insert must replace those rows
    too). An incremental base model's unique_key is log_load_key('<its key>'). -#}
{% macro log_load_key(key_sql) -%}
    coalesce({{ key_sql }}, '')
{%- endmacro %}
