{#- Per-minute host samples, typed; one sample per instance and time. -#}
{%- set raw_logs = raw_table('gateway_logs', 'infrastructure_metrics') -%}
{%- set raw_types = raw_column_types(raw_logs) %}
with marked as (
    {{ mark_duplicates(
        raw_logs,
        ['instance_id', 'timestamp'],
        gateway_contract_columns('infrastructure_metrics'),
    ) }}
),

typed as (
    select
        {{ clean_text('instance_id') }} as instance_id,
        {{ parse_raw('timestamp', dbt.type_timestamp(), raw_types) }} as sampled_at,
        {{ parse_raw('cpu_utilization', 'double', raw_types) }} as cpu_utilization,
        {{ parse_raw('memory_utilization', 'double', raw_types) }} as memory_utilization,
        {{ parse_raw('concurrent_connections', dbt.type_bigint(), raw_types) }} as concurrent_connections,
        rows_with_key,
        identical_rows,
        copy_number,
        {{ gateway_raw_copies('infrastructure_metrics') }}
    from marked
),

checked as (
    select
        *,
        {{ quarantine_reason([
            ['instance_id is null', 'instance_id is missing'],
            [is_missing('raw_timestamp', 'sampled_at'), 'timestamp is missing'],
            [is_unparseable('raw_timestamp', dbt.type_timestamp(), 'sampled_at'), 'timestamp is not a timestamp'],
            [is_unparseable('raw_cpu_utilization', 'double', 'cpu_utilization'), 'cpu_utilization is not a number'],
            ['cpu_utilization < 0 or cpu_utilization > 100', 'cpu_utilization is not a percentage'],
            [is_unparseable('raw_memory_utilization', 'double', 'memory_utilization'), 'memory_utilization is not a number'],
            ['memory_utilization < 0 or memory_utilization > 100', 'memory_utilization is not a percentage'],
            [is_unparseable('raw_concurrent_connections', dbt.type_bigint(), 'concurrent_connections'), 'concurrent_connections is not an integer'],
            ['concurrent_connections < 0', 'concurrent_connections is negative'],
        ] + duplicate_checks('the sample of the instance at that time', 'instance_id is not null and sampled_at is not null')) }} as quarantine_reason
    from typed
)

{{ gateway_select_keeping_raw_for_quarantine('infrastructure_metrics', 'checked') }}
