{#- One row per workflow step, typed; test traffic decided by the shared
    macro. Incremental: reloads whole correlation ids from the last
    incremental_lookback_hours of the raw log (incremental_log_slice). -#}
{{
    config(
        materialized=row_level_incremental_materialization(),
        unique_key=log_load_key('correlation_id'),
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{%- set raw_logs = raw_table('gateway_logs', 'workflow_tracking') -%}
{%- set raw_types = raw_column_types(raw_logs) %}
with marked as (
    {{ mark_duplicates(
        incremental_log_slice(raw_logs, 'correlation_id', 'timestamp', 'step_at'),
        ['correlation_id'],
        gateway_contract_columns('workflow_tracking'),
        read_once=is_incremental(),
    ) }}
),

typed as (
    select
        {{ clean_text('correlation_id') }} as correlation_id,
        {{ clean_text('workflow_id') }} as workflow_id,
        {{ clean_text('scenario_name') }} as scenario_name,
        {{ clean_text('workflow_step') }} as workflow_step,
        upper({{ clean_text('workflow_status') }}) as workflow_status,
        upper({{ clean_text('business_criticality') }}) as business_criticality,
        {{ parse_raw('total_workflow_time_ms', 'double', raw_types) }} as total_workflow_time_ms,
        {{ parse_raw('retry_attempts', dbt.type_int(), raw_types) }} as retry_attempts,
        {{ clean_text('user_id') }} as user_id,
        {{ normalise_boolean('has_compensation') }} as has_compensation,
        {{ parse_raw('timestamp', dbt.type_timestamp(), raw_types) }} as step_at,
        lower({{ clean_text('region') }}) as region,
        lower({{ clean_text('environment') }}) as environment,
        {{ is_test_traffic('is_test_traffic') }} as is_test_traffic,
        rows_with_key,
        identical_rows,
        copy_number,
        {{ gateway_raw_copies('workflow_tracking') }}
    from marked
),

checked as (
    select
        *,
        {{ quarantine_reason([
            ['correlation_id is null', 'correlation_id is missing'],
            ['workflow_id is null', 'workflow_id is missing'],
            ['scenario_name is null', 'scenario_name is missing'],
            ["workflow_status is null or workflow_status not in ('COMPLETED', 'FAILED', 'IN_PROGRESS', 'COMPENSATED')", 'workflow_status is not COMPLETED, FAILED, IN_PROGRESS or COMPENSATED'],
            ["business_criticality is null or business_criticality not in ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW')", 'business_criticality is not CRITICAL, HIGH, MEDIUM or LOW'],
            [is_missing('raw_timestamp', 'step_at'), 'timestamp is missing'],
            [is_unparseable('raw_timestamp', dbt.type_timestamp(), 'step_at'), 'timestamp is not a timestamp'],
            ['region is null or environment is null', 'region or environment is missing'],
            [is_unparseable('raw_total_workflow_time_ms', 'double', 'total_workflow_time_ms'), 'total_workflow_time_ms is not a number'],
            ['total_workflow_time_ms < 0', 'total_workflow_time_ms is negative'],
            [is_unparseable('raw_retry_attempts', dbt.type_int(), 'retry_attempts'), 'retry_attempts is not an integer'],
            ['retry_attempts < 0', 'retry_attempts is negative'],
            [is_invalid_boolean('raw_has_compensation', 'has_compensation'), 'has_compensation is not a boolean'],
            [is_invalid_boolean('raw_is_test_traffic'), 'is_test_traffic is not a boolean'],
        ] + duplicate_checks('correlation_id', 'correlation_id is not null')) }} as quarantine_reason
    from typed
)

{{ gateway_select_keeping_raw_for_quarantine('workflow_tracking', 'checked') }}
