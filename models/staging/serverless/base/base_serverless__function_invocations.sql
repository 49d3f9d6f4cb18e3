-- Types the raw invocation log and says, per row, why it cannot be trusted
-- (null when it can). stg_ and its quarantine model split on that reason.
-- Rows are identical when they agree on every column once trimmed (status in any case).
-- Incremental: reloads whole invocation ids from the last
-- incremental_lookback_hours of the raw log (incremental_log_slice).
{{
    config(
        materialized=row_level_incremental_materialization(),
        unique_key=log_load_key('invocation_id'),
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{%- set raw_logs = raw_table('serverless_logs', 'function_invocations') %}
{%- set raw_types = raw_column_types(raw_logs) %}
{%- set identity_columns = [] %}
{%- for column in ['function_name', 'version_id', 'start_timestamp', 'end_timestamp', 'duration_ms', 'memory_used_mb'] %}
    {%- do identity_columns.append(clean_text(column)) %}
{%- endfor %}
{%- do identity_columns.append('upper(' ~ clean_text('status') ~ ')') %}
with marked as (
    {{ mark_duplicates(
        incremental_log_slice(raw_logs, 'invocation_id', 'start_timestamp', 'start_timestamp'),
        ['invocation_id'],
        identity_columns,
        read_once=is_incremental(),
    ) }}
),

typed as (
    select
        {{ clean_text('invocation_id') }} as invocation_id,
        {{ clean_text('function_name') }} as function_name,
        {{ clean_text('version_id') }} as version_id_text,
        {{ clean_text('start_timestamp') }} as start_timestamp_text,
        {{ clean_text('end_timestamp') }} as end_timestamp_text,
        {{ clean_text('duration_ms') }} as duration_ms_text,
        {{ clean_text('memory_used_mb') }} as memory_used_mb_text,
        upper({{ clean_text('status') }}) as status,
        rows_with_key as rows_with_id,
        identical_rows,
        copy_number,
        {{ parse_raw('version_id', 'integer', raw_types) }} as version_id,
        {{ parse_raw('start_timestamp', dbt.type_timestamp(), raw_types) }} as start_timestamp,
        {{ parse_raw('end_timestamp', dbt.type_timestamp(), raw_types) }} as end_timestamp,
        {{ parse_raw('duration_ms', 'double', raw_types) }} as duration_ms,
        {{ parse_raw('memory_used_mb', 'double', raw_types) }} as memory_used_mb
    from marked
),

reasons as (
    select
        *,
        nullif(concat_ws(
            '; ',
            case when invocation_id is null then 'missing invocation_id' end,
            case when function_name is null then 'missing function_name' end,
            case
                when version_id_text is null then 'missing version_id'
                when version_id is null then 'version_id is not an integer'
            end,
            case
                when start_timestamp_text is null then 'missing start_timestamp'
                when start_timestamp is null then 'start_timestamp is not a timestamp'
            end,
            case
                when end_timestamp_text is null then 'missing end_timestamp'
                when end_timestamp is null then 'end_timestamp is not a timestamp'
            end,
            case when end_timestamp < start_timestamp then 'end_timestamp before start_timestamp' end,
            case
                when duration_ms_text is not null and duration_ms is null then 'duration_ms is not a number'
                when duration_ms < 0 then 'negative duration_ms'
            end,
            case
                when memory_used_mb_text is not null and memory_used_mb is null then 'memory_used_mb is not a number'
                when memory_used_mb < 0 then 'negative memory_used_mb'
            end,
            case
                when status is null then 'missing status'
                when status not in ('SUCCESS', 'ERROR') then 'unknown status'
            end,
            case
                when invocation_id is not null and rows_with_id > identical_rows
                    then 'invocation_id repeated with different values'
                when invocation_id is not null and copy_number > 1
                    then 'exact duplicate of another row'
            end
        ), '') as quarantine_reason
    from typed
)

select * from reasons
