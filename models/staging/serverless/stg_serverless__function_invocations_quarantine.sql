-- Raw invocation rows that staging refused, as received, with the reason.
with base as (
    select * from {{ ref('base_serverless__function_invocations') }}
),

rejected as (
    {{ quarantined_rows('function_invocations', 'base') }}
)

select * from rejected
