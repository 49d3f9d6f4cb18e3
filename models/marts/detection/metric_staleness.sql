-- Series of a metrics log that stopped arriving while the rest of that log
-- goes on (the `metric_staleness` doc block). The detector scores the
-- buckets it has: a series that stops has none to flag, and, unlike the
-- gateway and invocation counts (whose silent buckets read 0), a reading has
-- no zero to stand in for it. Read from the detector's own buckets
-- (int_metrics__hourly, the logs of readings only), over the last
-- `history_days` before each log's newest bucket: an hourly run does not
-- re-sort a whole log's raw readings, and a series silent for longer has
-- left the mart (taken as retired).
{%- set stale_after_intervals = var_number('metric_stale_after_intervals', 1, 10000) %}
{%- set history_days = 14 %}
{%- set readings_logs = metric_models()['to_bucket'] %}

with metric_buckets as (
    select * from {{ ref('int_metrics__hourly') }}
),

readings as (
    select
        replace(source_model, 'stg_metrics__', '') as metrics_log,
        service_name,
        metric_name,
        observed_at
    from metric_buckets
    where source_model in (
        {%- for model_name in readings_logs %}'{{ model_name }}'{{ ', ' if not loop.last }}{% endfor -%}
    )
),

log_ends as (
    select
        metrics_log,
        max(observed_at) as log_newest_bucket_at
    from readings
    group by metrics_log
),

recent_readings as (
    select readings.*
    from readings
    inner join log_ends on readings.metrics_log = log_ends.metrics_log
    where readings.observed_at >= {{ dbt.dateadd('day', -history_days, 'log_ends.log_newest_bucket_at') }}
),

with_previous_reading as (
    select
        metrics_log,
        service_name,
        metric_name,
        observed_at,
        lag(observed_at) over (
            partition by metrics_log, service_name, metric_name order by observed_at
        ) as previous_observed_at
    from recent_readings
),

intervals as (
    select
        metrics_log,
        service_name,
        metric_name,
        observed_at,
        {{ timestamp_diff_us('previous_observed_at', 'observed_at') }} / 1000000.0 as seconds_since_previous
    from with_previous_reading
),

series_summary as (
    select
        metrics_log,
        service_name,
        metric_name,
        min(observed_at) as first_reading_at,
        max(observed_at) as last_reading_at,
        count(*) as reading_count,
        -- nine gaps in ten are at most this: one outage does not stretch it, and a series written only on
        -- change (irregular gaps) gets the patience its own gaps call for
        {{ percentile_cont('seconds_since_previous', 0.9) }} as usual_interval_seconds
    from intervals
    group by metrics_log, service_name, metric_name
),

ranked_series as (
    select
        metrics_log,
        last_reading_at,
        row_number() over (partition by metrics_log order by last_reading_at desc) as rank_from_newest,
        count(*) over (partition by metrics_log) as series_count
    from series_summary
),

log_progress as (
    -- the newest bucket more than a quarter of the log's series have reached: one writer whose clock runs
    -- ahead (or a few) cannot make every other series read as silent
    select
        metrics_log,
        last_reading_at as log_reached_at
    from ranked_series
    where rank_from_newest = floor(series_count / 4) + 1
),

compute_silence as (
    select
        series_summary.*,
        log_progress.log_reached_at,
        greatest(
            {{ timestamp_diff_us('series_summary.last_reading_at', 'log_progress.log_reached_at') }} / 1000000.0, 0
        ) as silent_seconds,
        {{ stale_after_intervals }} * series_summary.usual_interval_seconds as stale_after_seconds
    from series_summary
    inner join log_progress on series_summary.metrics_log = log_progress.metrics_log
),

compute_status as (
    select
        metrics_log,
        service_name,
        metric_name,
        first_reading_at,
        last_reading_at,
        cast(reading_count as {{ dbt.type_bigint() }}) as reading_count,
        cast(usual_interval_seconds as double) as usual_interval_seconds,
        log_reached_at,
        cast(silent_seconds as double) as silent_seconds,
        -- three buckets at least (two gaps), or there is no usual gap to be late against
        cast(case when reading_count >= 3 then stale_after_seconds end as double) as stale_after_seconds,
        case
            when reading_count < 3 then 'too_few_readings'
            when silent_seconds > stale_after_seconds then 'stale'
            else 'fresh'
        end as staleness_status
    from compute_silence
)

select * from compute_status
