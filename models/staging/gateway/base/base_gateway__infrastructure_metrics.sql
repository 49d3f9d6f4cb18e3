{#- Per-minute host samples, typed and checked by the staging kit
    (declarations: seeds/_gateway__seeds.yml); one sample per instance and time. -#}
{%- set log = staging_log('gateway', 'infrastructure_metrics', key=['instance_id', 'timestamp']) -%}

with source as {{ not_materialized() }} (
    select * from {{ log.relation }}
),

{{ staging_steps(log, 'source') }}

select * from staged
