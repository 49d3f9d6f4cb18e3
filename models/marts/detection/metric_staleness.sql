-- Series of a metrics log that stopped arriving while the rest of that log
-- goes on. The detector scores the readings it has: a series that stops has
-- no bucket to flag, and, unlike the gateway and invocation counts (whose
-- silent buckets read 0), a reading has no zero to stand in for it. Each log
-- is judged against its own newest reading, so a log that stops as a whole
-- (source freshness's to report) or an older log loaded beside a newer one
-- stales none of its series. A series is stale once its last reading is
-- `metric_stale_after_intervals` of its usual intervals (the median gap
-- between its readings) behind its log's newest reading, and at least one
-- detection bucket behind: a writer a few minutes behind the others is not
-- a silence to act on in a run every hour.
{%- set stale_after_intervals = var_number('metric_stale_after_intervals', 1, 10000) %}
{%- set grain_minutes = var_minutes_dividing_an_hour('detection_grain_minutes') %}

with service_metrics as (
    select * from {{ ref('stg_metrics__service_metrics') }}
),

service_metrics_hourly as (
    select * from {{ ref('stg_metrics__service_metrics_hourly') }}
),

readings as (
    select
        'service_metrics' as metrics_log,
        service_name,
        metric_name,
        observed_at
    from service_metrics
    union all
    select
        'service_metrics_hourly' as metrics_log,
        service_name,
        metric_name,
        observed_at
    from service_metrics_hourly
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
    from readings
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
        -- the usual gap, not the mean: one earlier outage would stretch the mean
        {{ percentile_cont('seconds_since_previous', 0.5) }} as usual_interval_seconds
    from intervals
    group by metrics_log, service_name, metric_name
),

log_ends as (
    select
        metrics_log,
        max(last_reading_at) as log_newest_reading_at
    from series_summary
    group by metrics_log
),

compute_silence as (
    select
        series_summary.*,
        log_ends.log_newest_reading_at,
        {{ timestamp_diff_us('series_summary.last_reading_at', 'log_ends.log_newest_reading_at') }} / 1000000.0
            as silent_seconds,
        greatest(
            {{ stale_after_intervals }} * series_summary.usual_interval_seconds, {{ grain_minutes }} * 60.0
        ) as stale_after_seconds
    from series_summary
    inner join log_ends on series_summary.metrics_log = log_ends.metrics_log
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
        log_newest_reading_at,
        cast(silent_seconds as double) as silent_seconds,
        -- two intervals at least, or there is no usual one to be late against
        cast(case when reading_count >= 3 then stale_after_seconds end as double) as stale_after_seconds,
        case
            when reading_count < 3 then 'too_few_readings'
            when silent_seconds > stale_after_seconds then 'stale'
            else 'fresh'
        end as staleness_status
    from compute_silence
)

select * from compute_status
