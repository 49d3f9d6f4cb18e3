-- Every labelled incident, typed, with the reasons (if any) it cannot be used.
with source as (
    select * from {{ raw_table('oncall_labels', 'incident_labels') }}
),

trimmed as (
    select
        label_id as label_id_raw,
        service_name as service_name_raw,
        started_at as started_at_raw,
        ended_at as ended_at_raw,
        root_cause_metric as root_cause_metric_raw,
        description as description_raw,
        {{ clean_text('label_id') }} as label_id,
        {{ clean_text('service_name') }} as service_name,
        {{ clean_text('started_at') }} as started_at_text,
        {{ clean_text('ended_at') }} as ended_at_text,
        {{ clean_text('root_cause_metric') }} as root_cause_metric,
        {{ clean_text('description') }} as description
    from source
),

typed as (
    select
        *,
        {{ try_cast('started_at_text', 'timestamp') }} as started_at,
        {{ try_cast('ended_at_text', 'timestamp') }} as ended_at,
        count(*) over (partition by label_id) as rows_with_label_id
    from trimmed
),

checked as (
    select
        label_id_raw,
        service_name_raw,
        started_at_raw,
        ended_at_raw,
        root_cause_metric_raw,
        description_raw,
        label_id,
        service_name,
        started_at,
        ended_at,
        root_cause_metric,
        description,
        nullif(concat_ws(
            '; ',
            case when label_id is null then 'label_id is missing' end,
            case when label_id is not null and rows_with_label_id > 1 then 'label_id is not unique' end,
            case when service_name is null then 'service_name is missing' end,
            case when started_at_text is null then 'started_at is missing' end,
            case when started_at_text is not null and started_at is null then 'started_at is not a timestamp' end,
            case when ended_at_text is null then 'ended_at is missing' end,
            case when ended_at_text is not null and ended_at is null then 'ended_at is not a timestamp' end,
            case when ended_at < started_at then 'ended_at is before started_at' end
        ), '') as quarantine_reason
    from typed
)

select * from checked
