{#-
  The CTEs that find the silent buckets of a log's series: complete buckets
  (is_complete_bucket) in which a series that was serving had no event. An
  at-grain metric model (int_gateway__hourly_metrics,
  int_serverless__hourly_metrics) adds a 0 of its count metric for each, so
  a service that stops serving while the rest of its log goes on reads as
  a drop to 0 that the detector can score, where it used to have no bucket
  at all. Shares and percentiles of such a bucket have no value and stay
  absent.

  A series is silent from its first bucket with events on, up to
  `zero_fill_max_hours` after its latest bucket with events; later, it is
  taken as retired and gets no more rows until it serves again. 0 turns
  zero-filling off (the CTE then holds no row).

  On an incremental run, the buckets with events come from this run's slice
  and from the model's own rows (its count metric above 0; the pre-hook has
  already deleted the buckets this run recomputes), and only the buckets
  being recomputed (hours_to_recompute) are filled, so the run ends equal to
  a full refresh.

  Emits the CTEs `active_series_spans`, `silence_fill_spans`, `silence_grid`
  (and `loaded_active_buckets` on an incremental run), ending with
  `silent_buckets` (service_name, observed_at), each followed by a comma.
    counted          CTE of the complete buckets with events (service_name, observed_at)
    count_metric     the model's count metric (`requests`, `invocations`)
    newest_log_time  SQL expression of the log's newest event time
    progress_cte     CTE holding that expression's column (one row)
    hours            hours_to_recompute's result
-#}
{% macro silent_bucket_ctes(counted, count_metric, newest_log_time, progress_cte, hours) -%}
    {%- set grain = oncall_analytics.var_minutes_dividing_an_hour('detection_grain_minutes') | int -%}
    {%- set max_hours = oncall_analytics.var_integer('zero_fill_max_hours', 0, 8760) | int -%}
    {%- if max_hours == 0 %}
    silent_buckets as (
        select service_name, observed_at from {{ counted }}
        where 1 = 0
    ),
    {%- else %}
    {%- if is_incremental() %}
    loaded_active_buckets as (
        -- the model's own buckets with events, from before this run's recompute
        select service_name, observed_at from {{ this }}
        where metric_name = '{{ count_metric }}' and value > 0
    ),
    {%- endif %}

    active_series_spans as (
        select
            service_name,
            min(observed_at) as first_bucket,
            max(observed_at) as last_active_bucket
        from (
            select service_name, observed_at from {{ counted }}
            {%- if is_incremental() %}
                union all
                select service_name, observed_at from loaded_active_buckets
            {%- endif %}
        ) as active_buckets
        group by service_name
    ),

    silence_fill_spans as (
        -- the recomputed stretch of each series' span: from its first bucket (or the
        -- recompute bound) to zero_fill_max_hours after its last bucket with events,
        -- at most the log's newest bucket; and each reloaded older hour
        {%- set fill_to = 'least(' ~ dbt.dateadd('hour', max_hours, 'spans.last_active_bucket') ~ ', '
            ~ oncall_analytics.metric_bucket(progress_cte ~ '.' ~ newest_log_time) ~ ')' %}
        {%- set stretches = [] %}
        {%- if hours.bound is none %}
            {%- do stretches.append({'start': 'spans.first_bucket', 'end': fill_to}) %}
        {%- else %}
            {%- do stretches.append({'start': 'greatest(spans.first_bucket, ' ~ oncall_analytics.metric_bucket(hours.bound) ~ ')', 'end': fill_to}) %}
            {%- for hour_start in hours.old_hours %}
                {%- do stretches.append({
                    'start': 'greatest(spans.first_bucket, ' ~ hour_start ~ ')',
                    'end': 'least(' ~ fill_to ~ ', ' ~ dbt.dateadd('minute', 60 - grain, hour_start) ~ ')',
                }) %}
            {%- endfor %}
        {%- endif %}
        select service_name, fill_from, fill_to
        from (
            {%- for stretch in stretches %}
                select
                    spans.service_name,
                    {{ stretch.start }} as fill_from,
                    {{ stretch.end }} as fill_to
                from active_series_spans as spans
                cross join {{ progress_cte }}
                {%- if not loop.last %}
                    union all
                {%- endif %}
            {%- endfor %}
        ) as stretches
        -- an empty stretch makes no series (Spark's sequence() refuses a start after its end)
        where fill_from <= fill_to
    ),

    silence_grid as (
        select
            service_name,
            {{ oncall_analytics.timestamp_series('fill_from', 'fill_to', grain) }} as observed_at
        from silence_fill_spans
    ),

    silent_buckets as (
        select
            grid.service_name,
            grid.observed_at
        from silence_grid as grid
        cross join {{ progress_cte }}
        left join {{ counted }} as counted
            on grid.service_name = counted.service_name and grid.observed_at = counted.observed_at
        where
            counted.service_name is null
            and {{ oncall_analytics.is_complete_bucket('grid.observed_at', progress_cte ~ '.' ~ newest_log_time) }}
            and {{ oncall_analytics.in_hours_to_recompute('grid.observed_at', hours) }}
    ),
    {%- endif %}
{%- endmacro %}
