{#- The models int_metrics__hourly unions for the detector, each yielding
    (service_name, metric_name, observed_at, value): `at_grain` computes its
    metrics per bucket itself (counts, rates and percentiles cannot be
    averaged from finer buckets); `to_bucket` is a log of readings at any
    resolution, averaged per bucket. To watch another log, build an int_ or
    stg_ model of that shape and add its name to the right list. The logs
    of readings are also the ones metric_staleness watches for series that
    stop arriving (an event count has its silent buckets at 0 instead). -#}
{% macro metric_models() -%}
    {{ return({
        'at_grain': ['int_serverless__hourly_metrics', 'int_gateway__hourly_metrics'],
        'to_bucket': ['stg_metrics__service_metrics_hourly', 'stg_metrics__service_metrics'],
    }) }}
{%- endmacro %}
