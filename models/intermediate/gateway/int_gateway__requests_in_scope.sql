{#- The incident's scope: real requests of its region, environment and service
    in the analysis window. Steps 2, 3, 5-8 and 10 start here. -#}
with requests_in_window as (
    select * from {{ ref('int_gateway__requests_in_window') }}
),

in_scope as (
    select * from requests_in_window
    where is_incident_region
)

select * from in_scope
