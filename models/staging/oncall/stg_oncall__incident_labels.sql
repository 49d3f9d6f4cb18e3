-- Clean labelled incidents: one row per label_id.
with base as (
    select * from {{ ref('base_oncall__incident_labels') }}
),

clean as (
    select
        label_id,
        service_name,
        started_at,
        ended_at,
        root_cause_metric,
        description
    from base
    where quarantine_reason is null
)

select * from clean
