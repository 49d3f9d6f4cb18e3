{#- Gateway requests, typed, checked and de-duplicated by the staging kit
    (macros/staging/; the columns are declared on the seed, in
    seeds/_gateway__seeds.yml), with the service version split into its
    parts. Incremental: reloads whole request ids from the last
    incremental_lookback_hours of the raw log (incremental_log_slice). -#}
{%- set log = staging_log('gateway', 'api_gateway_logs', key=['request_id']) -%}
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

{{ staging_steps(log, 'source', extra_columns={
        'version_major': semver_part('service_version', 1),
        'version_minor': semver_part('service_version', 2),
        'version_patch': semver_part('service_version', 3),
    }) }}

select * from staged
