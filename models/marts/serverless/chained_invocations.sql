-- Scenario 2: an invocation that starts 0..chain_max_gap_us µs after the
-- previous invocation of the same function ended (inclusive bounds).
with sequenced as (
    select * from {{ ref('int_function_invocations__sequenced') }}
),

links as (
    select
        function_name,
        previous_invocation_id,
        invocation_id as chained_invocation_id,
        start_timestamp as chained_start_timestamp,
        gap_us,
        previous_end_timestamp
    from sequenced
    where is_chained_to_previous
)

select * from links
