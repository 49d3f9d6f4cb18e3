-- Every raw row, typed, with the reasons (if any) it cannot be used.
with source as (
    select * from {{ raw_table('service_metrics', 'service_metrics_hourly') }}
),

trimmed as (
    select
        service_name as service_name_raw,
        metric_name as metric_name_raw,
        observed_at as observed_at_raw,
        value as value_raw,
        {{ clean_text('service_name') }} as service_name,
        {{ clean_text('metric_name') }} as metric_name,
        {{ clean_text('observed_at') }} as observed_at_text,
        {{ clean_text('value') }} as value_text
    from source
),

typed as (
    select
        *,
        {{ try_cast('observed_at_text', 'timestamp') }} as observed_at,
        {{ try_cast('value_text', 'double') }} as value
    from trimmed
),

field_checks as (
    select
        *,
        nullif(concat_ws(
            '; ',
            case when service_name is null then 'service_name is missing' end,
            case when metric_name is null then 'metric_name is missing' end,
            case when observed_at_text is null then 'observed_at is missing' end,
            case when observed_at_text is not null and observed_at is null then 'observed_at is not a timestamp' end,
            case when observed_at != {{ dbt.date_trunc('hour', 'observed_at') }} then 'observed_at is not on the hour' end,
            case when value_text is null then 'value is missing' end,
            case when value_text is not null and value is null then 'value is not a number' end,
            case when value is not null and not {{ is_finite('value') }} then 'value is not finite' end
        ), '') as field_problems
    from typed
),

-- Duplicates are judged among rows whose fields are all valid: identical
-- copies keep one row; copies that disagree on the value are all rejected,
-- since nothing says which one is right.
key_counts as (
    select
        *,
        count(*) over (partition by service_name, metric_name, observed_at, field_problems) as rows_with_key,
        min(value) over (partition by service_name, metric_name, observed_at, field_problems) as min_value_for_key,
        max(value) over (partition by service_name, metric_name, observed_at, field_problems) as max_value_for_key,
        row_number() over (partition by service_name, metric_name, observed_at, field_problems order by value_raw) as copy_number
    from field_checks
),

checked as (
    select
        service_name_raw,
        metric_name_raw,
        observed_at_raw,
        value_raw,
        service_name,
        metric_name,
        observed_at,
        value,
        coalesce(
            field_problems,
            case
                when rows_with_key > 1 and min_value_for_key != max_value_for_key
                    then 'conflicting values for the same service, metric and hour'
                when copy_number > 1
                    then 'duplicate of another row for the same service, metric and hour'
            end
        ) as quarantine_reason
    from key_counts
)

select * from checked
