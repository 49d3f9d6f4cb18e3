{#- Hourly service metrics, typed and checked by the staging kit
    (declarations: seeds/_detection__seeds.yml): one row per service, metric
    and hour. -#}
{%- set log = staging_log('metrics', 'service_metrics_hourly', key=['service_name', 'metric_name', 'observed_at']) -%}

with source as {{ not_materialized() }} (
    select * from {{ log.relation }}
),

{{ staging_steps(log, 'source') }}

select * from staged
