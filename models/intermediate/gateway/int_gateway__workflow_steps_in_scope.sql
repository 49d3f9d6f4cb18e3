{#- Real workflow step rows of the incident's region and environment in the
    analysis window (workflows carry no service name). Step 9 starts here. -#}
{%- set window = tsg_window() -%}

with steps as (
    select * from {{ ref('stg_gateway__workflow_tracking') }}
),

in_scope as (
    select *
    from steps
    where
        step_at between {{ window.window_start }} and {{ window.window_end }}
        and region = lower({{ var_string_literal('tsg_region') }})
        and environment = {{ var_one_of('tsg_environment', ['dev', 'staging', 'prod']) }}
        and not is_test_traffic
)

select * from in_scope
