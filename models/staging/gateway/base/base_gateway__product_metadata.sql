{#- Product and customer of each request (one row per request), typed
    and checked by the staging kit (declarations: seeds/_gateway__seeds.yml). -#}
{%- set log = staging_log('gateway', 'product_metadata', key=['request_id']) -%}

with source as {{ not_materialized() }} (
    select * from {{ log.relation }}
),

{{ staging_steps(log, 'source') }}

select * from staged
