{#- The invocation log, typed and checked by the staging kit
    (declarations: seeds/_serverless__seeds.yml): every raw row, with the
    reasons (if any) it cannot be trusted. Incremental: reloads whole
    invocation ids from the last incremental_lookback_hours of the raw log
    (incremental_log_slice). -#}
{%- set log = staging_log('serverless', 'function_invocations', key=['invocation_id']) -%}
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

{{ staging_steps(log, 'source') }}

select * from staged
