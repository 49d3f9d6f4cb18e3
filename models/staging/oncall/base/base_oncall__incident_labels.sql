{#- Labelled incidents, typed and checked by the staging kit
    (declarations: seeds/_detection__seeds.yml): one row per label. -#}
{%- set log = staging_log('oncall_labels', 'incident_labels', key=['label_id']) -%}

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
