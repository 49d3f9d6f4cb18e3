{#- Service metrics at any resolution (the contract's service_metrics log),
    typed and checked by the staging kit from the declarations on the
    `service_metrics` seed (seeds/_detection__seeds.yml): one row per
    service, metric and time, at the log's own resolution. -#}
{%- set log = staging_log('metrics', 'service_metrics', key=['service_name', 'metric_name', 'observed_at']) -%}

with source as {{ not_materialized() }} (
    select * from {{ log.relation }}
),

{{ staging_steps(log, 'source') }}

select * from staged
