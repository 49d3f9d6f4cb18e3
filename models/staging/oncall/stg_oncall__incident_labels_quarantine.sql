-- Rejected incident labels, as received, with why they were rejected.
with base as (
    select * from {{ ref('base_oncall__incident_labels') }}
),

rejected as (
    {{ quarantined_rows('incident_labels', 'base') }}
)

select * from rejected
