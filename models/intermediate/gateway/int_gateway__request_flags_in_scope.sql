{#- One row per flag evaluated on an in-scope request, with the request's
    columns (a request carrying three flags appears three times). -#}
with requests as (
    select * from {{ ref('int_gateway__requests_in_scope') }}
),

flags as (
    select * from {{ ref('stg_gateway__feature_flags') }}
),

flagged_requests as (
    select
        flags.flag_name,
        flags.flag_value,
        {{ tsg_flag_label('flags.flag_name', 'flags.flag_value') }} as flag_label,
        requests.*
    from requests
    inner join flags
        on requests.request_id = flags.request_id
)

select * from flagged_requests
