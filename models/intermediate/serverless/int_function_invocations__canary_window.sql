-- The invocations the canary is judged on: canary_function_name, started in
-- [canary_window_start, canary_window_end] (both inclusive). The one place
-- that applies the canary vars, for the comparison and the SRM check.
{%- do assert_var_window('canary_window_start', 'canary_window_end') %}

with invocations as (
    select * from {{ ref('stg_serverless__function_invocations') }}
),

in_window as (
    select *
    from invocations
    where
        function_name = {{ var_string_literal('canary_function_name') }}
        and start_timestamp >= {{ var_timestamp('canary_window_start') }}
        and start_timestamp <= {{ var_timestamp('canary_window_end') }}
)

select * from in_window
