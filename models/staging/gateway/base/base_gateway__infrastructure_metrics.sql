{#- Per-minute host samples, typed and checked by the staging kit
    (declarations: seeds/_gateway__seeds.yml); one sample per instance and time. -#}
{%- set log = staging_log('gateway_logs', 'infrastructure_metrics', key=['instance_id', 'timestamp']) -%}

with source as {{ not_materialized() }} (
    select * from {{ log.relation }}
),

marked as (
    {{ mark_duplicates(log, 'source') }}
),

typed as (
    select
        {{ staged_columns(log) }}
    from marked
),

checked as (
    select
        *,
        {{ quarantine_reason(staging_checks(log)) }} as quarantine_reason
    from typed
)

{{ select_keeping_raw_for_quarantine(log, 'checked') }}
