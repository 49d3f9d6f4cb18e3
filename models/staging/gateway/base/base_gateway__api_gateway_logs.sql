{#- Typed, trimmed and normalised gateway requests. Keeps the raw values
    for the quarantine (gateway_select_keeping_raw_for_quarantine) and every
    reason to reject the row in quarantine_reason (null when the row is
    clean). Incremental: reloads whole request ids from the last
    incremental_lookback_hours of the raw log (incremental_log_slice). -#}
{{
    config(
        materialized=row_level_incremental_materialization(),
        unique_key=log_load_key('request_id'),
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{%- set raw_logs = raw_table('gateway_logs', 'api_gateway_logs') -%}
{%- set raw_types = raw_column_types(raw_logs) -%}
{%- set duration_columns = ['latency_ms', 'backend_latency_ms', 'connection_time_ms'] -%}
{%- set size_columns = ['request_size_bytes', 'response_size_bytes', 'data_processed_bytes'] -%}
{%- set boolean_columns = ['cache_hit', 'is_retry', 'is_test_traffic', 'is_cascading_failure', 'has_dependency_failure'] -%}

{%- set checks = [
    ['request_id is null', 'request_id is missing'],
    [is_missing('raw_timestamp', 'requested_at'), 'timestamp is missing'],
    [is_unparseable('raw_timestamp', dbt.type_timestamp(), 'requested_at'), 'timestamp is not a timestamp'],
    ['region is null', 'region is missing'],
    ['environment is null', 'environment is missing'],
    ['service_name is null', 'service_name is missing'],
    [is_missing('raw_status_code', 'status_code'), 'status_code is missing'],
    [is_unparseable('raw_status_code', dbt.type_int(), 'status_code'), 'status_code is not an integer'],
    ['status_code < 100 or status_code > 599', 'status_code is not an HTTP status'],
] -%}
{%- set checks = checks + duplicate_checks('request_id', 'request_id is not null') -%}
{%- for column in duration_columns -%}
    {%- do checks.append([is_unparseable('raw_' ~ column, 'double', column), column ~ ' is not a number']) -%}
    {%- do checks.append([column ~ ' < 0', column ~ ' is negative']) -%}
{%- endfor -%}
{%- for column in size_columns -%}
    {%- do checks.append([is_unparseable('raw_' ~ column, dbt.type_bigint(), column), column ~ ' is not an integer']) -%}
    {%- do checks.append([column ~ ' < 0', column ~ ' is negative']) -%}
{%- endfor -%}
{%- set typed_booleans = {'cache_hit': 'is_cache_hit', 'is_retry': 'is_retry', 'is_cascading_failure': 'is_cascading_failure',
                           'has_dependency_failure': 'has_dependency_failure'} -%}
{%- for column in boolean_columns -%}
    {#- is_test_traffic is never null once typed (empty = real traffic) -#}
    {%- do checks.append([is_invalid_boolean('raw_' ~ column, typed_booleans.get(column)), column ~ ' is not a boolean']) -%}
{%- endfor %}

with marked as (
    {{ mark_duplicates(
        incremental_log_slice(raw_logs, 'request_id', 'timestamp', 'requested_at'),
        ['request_id'],
        gateway_contract_columns('api_gateway_logs'),
        read_once=is_incremental(),
    ) }}
),

typed as (
    select
        {{ clean_text('request_id') }} as request_id,
        {{ parse_raw('timestamp', dbt.type_timestamp(), raw_types) }} as requested_at,
        lower({{ clean_text('region') }}) as region,
        {{ clean_text('datacenter') }} as datacenter,
        lower({{ clean_text('availability_zone') }}) as availability_zone,
        lower({{ clean_text('environment') }}) as environment,
        {{ clean_text('service_name') }} as service_name,
        {{ clean_text('service_version') }} as service_version,
        {{ semver_part('service_version', 1) }} as version_major,
        {{ semver_part('service_version', 2) }} as version_minor,
        {{ semver_part('service_version', 3) }} as version_patch,
        {{ clean_text('instance_id') }} as instance_id,
        {{ clean_text('instance_type') }} as instance_type,
        {{ clean_text('load_balancer_id') }} as load_balancer_id,
        {{ clean_text('endpoint_path') }} as endpoint_path,
        upper({{ clean_text('http_method') }}) as http_method,
        {{ clean_text('api_version') }} as api_version,
        lower({{ clean_text('client_type') }}) as client_type,
        {{ parse_raw('status_code', dbt.type_int(), raw_types) }} as status_code,
        {%- for column in duration_columns %}
            {{ parse_raw(column, 'double', raw_types) }} as {{ column }},
        {%- endfor %}
        {%- for column in size_columns %}
            {{ parse_raw(column, dbt.type_bigint(), raw_types) }} as {{ column }},
        {%- endfor %}
        {{ normalise_boolean('cache_hit') }} as is_cache_hit,
        {{ normalise_boolean('is_retry') }} as is_retry,
        {{ is_test_traffic('is_test_traffic') }} as is_test_traffic,
        {{ clean_text('partition_id') }} as partition_id,
        {{ clean_text('shard_id') }} as shard_id,
        {{ clean_text('tenant_category') }} as tenant_category,
        {{ clean_text('user_id') }} as user_id,
        {{ clean_text('session_id') }} as session_id,
        {{ clean_text('error_code') }} as error_code,
        upper({{ clean_text('error_category') }}) as error_category,
        {{ clean_text('exception_type') }} as exception_type,
        {{ clean_text('exception_message') }} as exception_message,
        {{ clean_text('stack_trace_hash') }} as stack_trace_hash,
        {{ clean_text('service_component') }} as service_component,
        {{ clean_text('dependency_name') }} as dependency_name,
        {{ normalise_boolean('is_cascading_failure') }} as is_cascading_failure,
        {{ normalise_boolean('has_dependency_failure') }} as has_dependency_failure,
        rows_with_key,
        identical_rows,
        copy_number,
        {{ gateway_raw_copies('api_gateway_logs') }}
    from marked
),

checked as (
    select
        *,
        {{ quarantine_reason(checks) }} as quarantine_reason
    from typed
)

{{ gateway_select_keeping_raw_for_quarantine('api_gateway_logs', 'checked') }}
