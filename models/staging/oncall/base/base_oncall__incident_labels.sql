{#- Labelled incidents, typed and checked by the staging kit
    (declarations: seeds/_detection__seeds.yml): one row per label. -#}
{%- set log = staging_log('oncall', 'incident_labels', key=['label_id']) -%}

with source as {{ not_materialized() }} (
    select * from {{ log.relation }}
),

{{ staging_steps(log, 'source') }}

select * from staged
