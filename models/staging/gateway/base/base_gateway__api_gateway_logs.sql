{#- Gateway requests, typed, checked and de-duplicated by the staging kit
    (macros/staging/; the columns are declared on the seed, in
    seeds/_gateway__seeds.yml), with the service version split into its
    parts. Incremental: reloads whole request ids from the last
    incremental_lookback_hours of the raw log (incremental_log_slice). -#}
{%- set log = staging_log('gateway_logs', 'api_gateway_logs', key=['request_id']) -%}
{{
    config(
        materialized=row_level_incremental_materialization(),
        unique_key=log_load_key(log.key[0]),
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with source as {{ not_materialized() }} (
    select * from {{ log.relation }}
),

marked as (
    {{ mark_duplicates(log, incremental_log_slice(log, 'source'), read_once=is_incremental()) }}
),

typed as (
    select
        {{ staged_columns(log) }},
        {{ semver_part('service_version', 1) }} as version_major,
        {{ semver_part('service_version', 2) }} as version_minor,
        {{ semver_part('service_version', 3) }} as version_patch
    from marked
),

checked as (
    select
        *,
        {{ quarantine_reason(staging_checks(log)) }} as quarantine_reason
    from typed
)

{{ select_keeping_raw_for_quarantine(log, 'checked') }}
