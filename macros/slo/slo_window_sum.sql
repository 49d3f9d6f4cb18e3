{#- Sum of `column` over the window of `window_minutes` that ends with the
    current 5-minute bucket, per SLO: the buckets starting in
    [bucket_start + 5 min - window, bucket_start], i.e. the events of
    [evaluated_at - window, evaluated_at). Needs one row per SLO and bucket
    with no gaps (int_slo__event_buckets is dense), so a count of rows is a
    length of time. A bigint on every engine (DuckDB sums
    bigints into a 128-bit integer). -#}
{% macro slo_window_sum(column, window_minutes) -%}
    cast(sum({{ column }}) over (partition by slo_name order by bucket_start rows between {{ (window_minutes // 5) - 1 }} preceding and current row) as bigint)
{%- endmacro %}
