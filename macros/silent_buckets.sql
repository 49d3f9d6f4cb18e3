{#-
  The CTEs that find the silent buckets of a log's series: buckets in which
  a series that was serving had no event. An at-grain metric model
  (int_gateway__hourly_metrics, int_serverless__hourly_metrics) adds a 0 of
  its count metric for each, so a service that stops serving while the rest
  of its log goes on reads as a drop to 0 that the detector can score, where
  it used to have no bucket at all. Shares and percentiles of such a bucket
  have no value and stay absent.

  Gap by gap: after each bucket with events, the buckets up to the series'
  next bucket with events, at most `zero_fill_max_hours` of them (a series
  silent for longer is taken as retired, and the rest of the gap has no
  rows, whether or not it serves again later). 0 turns zero-filling off
  (the CTE then holds no row).

  A silent bucket waits one bucket longer than a bucket with events: the log
  must have passed the next bucket too (is_complete_bucket of the bucket
  after it). Completeness follows the log's fastest writer, and a series
  whose writer delivers its rows some minutes behind the others would
  otherwise read 0, and page, until the next run recounts it.

  On an incremental run, the buckets with events come from this run's slice
  and from the model's own rows from zero_fill_max_hours before the first
  bucket it recomputes on (its count metric above 0; the pre-hook has
  already deleted the buckets this run recomputes), and only the buckets
  being recomputed are filled (in_silences_to_recompute: the pre-hook
  deletes the same), so the run ends equal to a full refresh.

  Emits the CTEs `active_buckets`, `silence_fill_spans`, `silence_grid` (and
  `loaded_active_buckets` on an incremental run), ending with
  `silent_buckets` (service_name, observed_at), each followed by a comma.
    counted          CTE of the complete buckets with events (service_name, observed_at)
    count_metric     the model's count metric (`requests`, `invocations`)
    newest_log_time  column of progress_cte: the log's newest event time
    progress_cte     one-row CTE holding that column
    hours            hours_to_recompute's result
-#}
{% macro silent_bucket_ctes(counted, count_metric, newest_log_time, progress_cte, hours) -%}
    {%- set grain = oncall_analytics.var_minutes_dividing_an_hour('detection_grain_minutes') | int -%}
    {%- set max_hours = oncall_analytics.var_integer('zero_fill_max_hours', 0, 8760) | int -%}
    {%- set newest = progress_cte ~ '.' ~ newest_log_time -%}
    {%- if max_hours == 0 %}
    silent_buckets as (
        select service_name, observed_at from {{ counted }}
        where 1 = 0
    ),
    {%- else %}
    {%- set recompute_from = none -%}
    {%- if hours.bound is not none -%}
        {%- set recompute_from = 'least(' ~ ([oncall_analytics.metric_bucket(hours.bound)] + hours.old_hours) | join(', ') ~ ')' -%}
    {%- endif %}
    {#- a recompute bound exists on incremental runs only (hours_to_recompute) #}
    {%- if recompute_from is not none %}
    loaded_active_buckets as (
        -- the model's own buckets with events from zero_fill_max_hours before the
        -- first bucket this run recomputes (older ones bound no gap it fills)
        select service_name, observed_at from {{ this }}
        where
            metric_name = '{{ count_metric }}' and value > 0
            and observed_at >= {{ dbt.dateadd('hour', -max_hours, recompute_from) }}
    ),
    {%- endif %}

    active_buckets as (
        select service_name, observed_at from {{ counted }}
        {%- if recompute_from is not none %}
            union all
            select service_name, observed_at from loaded_active_buckets
        {%- endif %}
    ),

    silence_gaps as (
        select
            service_name,
            observed_at as active_bucket,
            lead(observed_at) over (partition by service_name order by observed_at) as next_active_bucket
        from active_buckets
    ),

    silence_fill_spans as (
        -- each gap after a bucket with events: up to the next one, zero_fill_max_hours
        -- long at most, and at most the log's newest bucket
        select service_name, fill_from, fill_to
        from (
            select
                gaps.service_name,
                {{ dbt.dateadd('minute', grain, 'gaps.active_bucket') }} as fill_from,
                least(
                    coalesce({{ dbt.dateadd('minute', -grain, 'gaps.next_active_bucket') }}, {{ oncall_analytics.metric_bucket(newest) }}),
                    {{ dbt.dateadd('hour', max_hours, 'gaps.active_bucket') }},
                    {{ oncall_analytics.metric_bucket(newest) }}
                ) as fill_to
            from silence_gaps as gaps
            cross join {{ progress_cte }}
        ) as spans
        -- a gap of no bucket makes no series (Spark's sequence() refuses a start after its end)
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
        where
            -- the next bucket complete too: a writer a little behind the others is not a silence
            {{ oncall_analytics.is_complete_bucket(dbt.dateadd('minute', grain, 'grid.observed_at'), newest) }}
            and {{ oncall_analytics.in_silences_to_recompute('grid.observed_at', hours) }}
    ),
    {%- endif %}
{%- endmacro %}
