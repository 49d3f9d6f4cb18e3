{#-
  Generic test on int_slo__event_buckets: each SLO's buckets follow each
  other every 5 minutes with no gap (the window sums downstream count rows
  as time). Fails with each bucket whose predecessor is not 5 minutes before.
-#}
{% test slo_buckets_are_dense(model) %}

with ordered as (
    select
        slo_name,
        bucket_start,
        lag(bucket_start) over (partition by slo_name order by bucket_start) as previous_bucket_start
    from {{ model }}
),

gaps as (
    select * from ordered
    where
        previous_bucket_start is not null
        and {{ oncall_analytics.epoch_seconds('bucket_start') }} - {{ oncall_analytics.epoch_seconds('previous_bucket_start') }} != 300
)

select * from gaps
{% endtest %}
