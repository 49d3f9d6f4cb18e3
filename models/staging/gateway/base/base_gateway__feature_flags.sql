{#- Flags evaluated per request, typed and checked by the staging kit
    (declarations: seeds/_gateway__seeds.yml); a request carries a flag once. -#}
{%- set log = staging_log('gateway', 'feature_flags', key=['request_id', 'flag_name']) -%}

with source as {{ not_materialized() }} (
    select * from {{ log.relation }}
),

{{ staging_steps(log, 'source') }}

select * from staged
