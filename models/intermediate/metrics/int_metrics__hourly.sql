-- Every hourly metric the project knows, in one long table for the detector.
--
-- Extension point: each model in `hourly_metric_models` yields
-- (service_name, metric_name, observed_at, value) with one row per service,
-- metric and hour. To watch another log (e.g. the API gateway's requests,
-- 5xx rate and p99 latency per service), build an int_ model of that shape
-- and add its name to the list; nothing else changes.
{%- set hourly_metric_models = [
    'stg_metrics__service_metrics_hourly',
    'int_serverless__hourly_metrics',
    'int_gateway__hourly_metrics',
] %}

with
{% for model_name in hourly_metric_models %}
    {{ model_name }} as (
        select * from {{ ref(model_name) }}
    ),
{% endfor %}

unioned as (
    {%- for model_name in hourly_metric_models %}
        select
            service_name,
            metric_name,
            cast(observed_at as {{ dbt.type_timestamp() }}) as observed_at,
            cast(value as double) as value,
            '{{ model_name }}' as source_model
        from {{ model_name }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from unioned
