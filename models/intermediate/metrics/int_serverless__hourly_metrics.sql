-- Hourly health of each serverless function in the detector's long format:
-- invocations, error_rate and p99_duration_ms per function and start hour.
-- An hour without invocations is absent (not zero): the log cannot tell idle
-- from not exported, and error rate and p99 have no value there.
-- Incremental: recomputes whole hours from incremental_lookback_hours before
-- the newest hour it holds, so late invocations update their hour.
{{
    config(
        materialized='incremental',
        unique_key=['service_name', 'metric_name', 'observed_at'],
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with invocations as (
    select * from {{ ref('stg_serverless__function_invocations') }}
    where {{ incremental_lookback_filter('start_timestamp', 'observed_at') }}
),

hourly as (
    select
        function_name as service_name,
        {{ dbt.date_trunc('hour', 'start_timestamp') }} as observed_at,
        count(*) as invocations,
        avg(case when is_error then 1.0 else 0.0 end) as error_rate,
        {{ percentile_cont('duration_ms', 0.99) }} as p99_duration_ms
    from invocations
    group by 1, 2
),

long_format as (
    select service_name, 'invocations' as metric_name, observed_at, cast(invocations as double) as value from hourly
    union all
    select service_name, 'error_rate' as metric_name, observed_at, cast(error_rate as double) as value from hourly
    union all
    select service_name, 'p99_duration_ms' as metric_name, observed_at, cast(p99_duration_ms as double) as value from hourly
)

select * from long_format
