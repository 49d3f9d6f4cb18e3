-- Health of each gateway service in the detector's long format, per
-- detection bucket (detection_grain_minutes, an hour by default, metric_bucket):
-- requests, server_error_rate (5xx share) and p99_latency_ms per service,
-- environment and bucket, real traffic only. The series is named
-- `<service_name>/<environment>` so prod is never mixed with staging or dev.
-- A complete bucket in which a series that was serving had no request reads
-- requests 0, up to zero_fill_max_hours after its latest request
-- (silent_bucket_ctes; its share and p99 stay absent), and a bucket the log has
-- not yet passed waits (is_complete_bucket): its first minutes would read as
-- a drop in requests. Incremental like the
-- invocation metrics: whole hours from incremental_lookback_hours back, and
-- the older hours of request ids reloaded with a repeat (hours_to_recompute),
-- deleted first by the pre-hook.
{{
    config(
        materialized=row_level_incremental_materialization(),
        unique_key=['service_name', 'metric_name', 'observed_at'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_hours_to_recompute(ref('base_gateway__api_gateway_logs'), 'request_id', 'requested_at', 'requests') }}",
    )
}}
{%- do check_same_bucketing() %}
{%- set hours = hours_to_recompute(ref('base_gateway__api_gateway_logs'), 'request_id', 'requested_at') %}

with requests as (
    select * from {{ ref('stg_gateway__api_gateway_logs') }}
    where {{ in_hours_to_recompute('requested_at', hours) }}
),

log_times as (
    -- the log's times apart: a second reader of the import above would make
    -- DuckDB materialise every column of the slice (1 GB more at 10M rows)
    select requested_at from {{ ref('stg_gateway__api_gateway_logs') }}
    where {{ in_hours_to_recompute('requested_at', hours) }}
),

log_progress as (
    -- the log's newest request, test traffic included (the slice holds
    -- every row from the lookback on, so this is the whole log's newest)
    select max(requested_at) as newest_requested_at from log_times
),

real_traffic as (
    select
        service_name || '/' || environment as service_name,
        {{ metric_bucket('requested_at') }} as observed_at,
        status_code,
        latency_ms
    from requests
    where not is_test_traffic
),

per_bucket as (
    select
        service_name,
        observed_at,
        count(*) as requests,
        avg(case when status_code >= 500 then 1.0 else 0.0 end) as server_error_rate,
        {{ percentile_cont('latency_ms', 0.99) }} as p99_latency_ms
    from real_traffic
    group by service_name, observed_at
),

complete_buckets as (
    select per_bucket.*
    from per_bucket
    cross join log_progress
    where {{ is_complete_bucket('per_bucket.observed_at', 'log_progress.newest_requested_at') }}
),

{{ silent_bucket_ctes('complete_buckets', 'requests', 'newest_requested_at', 'log_progress', hours) }}

long_format as (
    {{ unpivot_metrics('complete_buckets', ['requests', 'server_error_rate', 'p99_latency_ms']) }}
    union all
    select
        service_name,
        'requests' as metric_name,
        observed_at,
        cast(0 as double) as value
    from silent_buckets
),

with_settings as (
    -- how every bucket was made, for the next incremental run's check_same_bucketing
    select *, {{ bucketing_setting_columns() }} from long_format
)

select * from with_settings
