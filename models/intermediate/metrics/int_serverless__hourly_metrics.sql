-- Hourly health of each serverless function in the detector's long format:
-- invocations, error_rate and p99_duration_ms per function and start hour.
-- An hour without invocations is absent (not zero): the log cannot tell idle
-- from not exported, and error rate and p99 have no value there.
-- Incremental: recomputes whole hours from incremental_lookback_hours before
-- the newest hour it holds, so late invocations update their hour.
{{
    config(
        materialized=row_level_incremental_materialization(),
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
        -- avg of an integer is a double on every engine (a decimal literal would
        -- make it a rounded decimal on Spark)
        avg(case when is_error then 1 else 0 end) as error_rate,
        {{ percentile_cont('duration_ms', 0.99) }} as p99_duration_ms
    from invocations
    group by 1, 2
),

long_format as (
    {{ unpivot_metrics('hourly', ['invocations', 'error_rate', 'p99_duration_ms']) }}
)

select * from long_format
