-- Health of each serverless function in the detector's long format, per
-- detection bucket (detection_grain_minutes, an hour by default, metric_bucket):
-- invocations, error_rate and p99_duration_ms per function and start bucket,
-- computed from the invocations of the bucket (not averaged from finer ones).
-- A complete bucket in which a function that was invoking had none reads
-- invocations 0, up to zero_fill_max_hours after its latest invocation
-- (silent_bucket_ctes): a function that stops while the log goes on is a
-- drop to score; error rate and p99 have no value there and stay absent. A bucket
-- the log has not yet passed waits (is_complete_bucket): its first minutes
-- would read as a drop in invocations.
-- Incremental: recomputes whole hours from incremental_lookback_hours before
-- the newest hour it holds, so late invocations update their hour, and the
-- older hours of ids the staging base just reloaded with a repeat
-- (hours_to_recompute); the pre-hook deletes those hours first, so an hour
-- that lost all its rows goes, as in a full refresh.
{{
    config(
        materialized=row_level_incremental_materialization(),
        unique_key=['service_name', 'metric_name', 'observed_at'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_hours_to_recompute(ref('base_serverless__function_invocations'), 'invocation_id', 'start_timestamp', 'invocations') }}",
    )
}}
{%- do check_same_bucketing() %}
{%- set hours = hours_to_recompute(ref('base_serverless__function_invocations'), 'invocation_id', 'start_timestamp') %}

with invocations as (
    select * from {{ ref('stg_serverless__function_invocations') }}
    where {{ in_hours_to_recompute('start_timestamp', hours) }}
),

log_times as (
    -- the log's times apart: a second reader of the import above would make
    -- DuckDB materialise every column of the slice (1 GB more at 10M rows)
    select start_timestamp from {{ ref('stg_serverless__function_invocations') }}
    where {{ in_hours_to_recompute('start_timestamp', hours) }}
),

log_progress as (
    -- the log's newest invocation (the slice holds every row from the lookback
    -- on, so this is the whole log's newest)
    select max(start_timestamp) as newest_start_timestamp from log_times
),

per_bucket as (
    select
        function_name as service_name,
        {{ metric_bucket('start_timestamp') }} as observed_at,
        count(*) as invocations,
        -- avg of an integer is a double on every engine (a decimal literal would
        -- make it a rounded decimal on Spark)
        avg(case when is_error then 1 else 0 end) as error_rate,
        {{ percentile_cont('duration_ms', 0.99) }} as p99_duration_ms
    from invocations
    group by 1, 2
),

complete_buckets as (
    select per_bucket.*
    from per_bucket
    cross join log_progress
    where {{ is_complete_bucket('per_bucket.observed_at', 'log_progress.newest_start_timestamp') }}
),

{{ silent_bucket_ctes('complete_buckets', 'invocations', 'newest_start_timestamp', 'log_progress', hours) }}

long_format as (
    {{ unpivot_metrics('complete_buckets', ['invocations', 'error_rate', 'p99_duration_ms']) }}
    union all
    select
        service_name,
        'invocations' as metric_name,
        observed_at,
        cast(0 as double) as value
    from silent_buckets
),

with_settings as (
    -- how every bucket was made, for the next incremental run's check_same_bucketing
    select *, {{ bucketing_setting_columns() }} from long_format
)

select * from with_settings
