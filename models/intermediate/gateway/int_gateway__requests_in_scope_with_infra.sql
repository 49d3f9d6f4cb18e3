{#- Each in-scope request with the latest host sample of its instance taken at
    or before the request (an as-of join; the guide's equality join on the
    timestamp matched nothing). Requests without an earlier sample keep null
    infra columns. -#}
with requests as (
    select * from {{ ref('int_gateway__requests_in_scope') }}
),

samples as (
    select * from {{ ref('stg_gateway__infrastructure_metrics') }}
),

with_latest_sample as (
    {{ asof_join_latest(
        'requests', 'samples', 'instance_id', 'request_id', 'requested_at', 'sampled_at',
        ['sampled_at', 'cpu_utilization', 'memory_utilization', 'concurrent_connections'], 'infra_'
    ) }}
)

select * from with_latest_sample
