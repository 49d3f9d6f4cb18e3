-- Rejected incident labels, as received, with why they were rejected.
with base as (
    select * from {{ ref('base_oncall__incident_labels') }}
),

rejected as (
    select
        label_id_raw as label_id,
        service_name_raw as service_name,
        started_at_raw as started_at,
        ended_at_raw as ended_at,
        root_cause_metric_raw as root_cause_metric,
        description_raw as description,
        quarantine_reason
    from base
    where quarantine_reason is not null
)

select * from rejected
